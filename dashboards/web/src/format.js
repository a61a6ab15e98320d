// Number and date formats in the UI's locale, shared by the pages.
import { numberFormat, dateFormat } from './strings.js';

export const fmt = numberFormat({ maximumFractionDigits: 0 });
export const fmt1 = numberFormat({ maximumFractionDigits: 1, signDisplay: 'exceptZero' });
export const fmtValue = numberFormat({ maximumFractionDigits: 1 });
export const pctFmt = numberFormat({ style: 'percent', maximumFractionDigits: 1 });
export const dateFmt = dateFormat({ dateStyle: 'medium', timeStyle: 'short' });
