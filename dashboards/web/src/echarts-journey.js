// The Journey's chart kinds (stage × sentiment heatmap, the flow's Sankey),
// kept out of the other pages' start-up: journey.js adds them to ECharts
// through charts.js's addKinds.
import { use } from 'echarts/core';
// From their own files, as echarts.js imports its kinds.
import { install as HeatmapChart } from 'echarts/lib/chart/heatmap/install.js';
import { install as SankeyChart } from 'echarts/lib/chart/sankey/install.js';
import { install as VisualMapComponent } from 'echarts/lib/component/visualMap/install.js';

use([HeatmapChart, SankeyChart, VisualMapComponent]);
