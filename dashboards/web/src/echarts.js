// ECharts with the chart kinds every page's charts use, their words in the
// UI's languages: a chunk of its own, which charts.js loads while the page's
// data calls run (most of the UI's code is ECharts). The Journey adds its
// kinds (echarts-journey.js) to it.
import { use, registerLocale } from 'echarts/core';
// Each kind from its own file, as echarts-journey.js imports its own: were
// the echarts/charts and echarts/components indexes imported, esbuild would
// put the Journey's kinds in the chunk both share.
import { install as BarChart } from 'echarts/lib/chart/bar/install.js';
import { install as LineChart } from 'echarts/lib/chart/line/install.js';
import { install as PieChart } from 'echarts/lib/chart/pie/install.js';
import { install as GridComponent } from 'echarts/lib/component/grid/install.js';
import { install as TooltipComponent } from 'echarts/lib/component/tooltip/install.js';
import { install as LegendComponent } from 'echarts/lib/component/legend/install.js';
import { install as AriaComponent } from 'echarts/lib/component/aria/install.js';
import { install as MarkAreaComponent } from 'echarts/lib/component/marker/installMarkArea.js';
import { install as CanvasRenderer } from 'echarts/lib/renderer/installCanvasRenderer.js';
import langFI from 'echarts/lib/i18n/langFI.js';
import langSV from 'echarts/lib/i18n/langSV.js';

export { init, getInstanceByDom } from 'echarts/core';

use([BarChart, LineChart, PieChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, MarkAreaComponent,
  CanvasRenderer]);
// The charts' own words (dates on time axes, their descriptions for screen
// readers) in the UI's language.
registerLocale('FI', langFI);
// ECharts 6's Swedish names a single series with a placeholder it never
// fills ("med typnamn {name}"): the sentence as its other languages have it.
registerLocale('SV', { ...langSV, aria: { ...langSV.aria, series: { ...langSV.aria.series,
  single: { ...langSV.aria.series.single, withName: ' av typen {seriesType} med namnet {seriesName}.' } } } });
