// uPlot and its stylesheet, loaded only by the pages that draw a chart
// (a dynamic import of this module: the overview's first bundle stays
// small). Builds a line chart or a sparkline from ChartData in the page's
// colours, times in UTC as the usage buckets are.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatValue, type ChartData } from '../usage';

export interface Palette {
  fg: string;
  muted: string;
  grid: string;
  series: string[];
}

export interface ChartOptions {
  width: number;
  height: number;
  sparkline?: boolean; // no axes, legend or cursor
  palette: Palette;
  onDraw?: () => void; // after each draw of the canvas
}

const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');

export function makeChart(el: HTMLElement, data: ChartData, opts: ChartOptions): uPlot {
  const { palette } = opts;
  const spark = opts.sparkline === true;
  const series: uPlot.Series[] = [
    { value: (_u, v) => (v == null ? '—' : `${new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`) },
    ...data.series.map((s, i) => ({
      label: s.label,
      stroke: palette.series[i % palette.series.length],
      width: spark ? 1.5 : 2,
      fill: spark && i === 0 ? `${palette.series[0]}22` : undefined,
      spanGaps: false,
      // Latencies and rates have gaps (no request, no value): a lone value
      // between two gaps is a point, not a line, so points are drawn.
      points: { show: !spark && (data.x.length <= 60 || data.unit === 'ms' || data.unit === 'percent'), size: 5 },
      value: (_u: uPlot, v: number | null) => formatValue(data.unit, v),
    })),
  ];
  const axis = (side: 'x' | 'y'): uPlot.Axis => ({
    stroke: palette.muted,
    grid: { stroke: palette.grid, width: 1 },
    ticks: { stroke: palette.grid, width: 1 },
    font: '12px system-ui, sans-serif',
    ...(side === 'y' ? { size: 64, values: (_u: uPlot, vals: number[]) => vals.map((v) => formatValue(data.unit, v)) } : {}),
  });
  const options: uPlot.Options = {
    width: opts.width,
    height: opts.height,
    tzDate: utc,
    series,
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
    legend: { show: !spark },
    cursor: spark ? { show: false } : { points: { size: 6 } },
    axes: spark ? [{ show: false }, { show: false }] : [axis('x'), axis('y')],
    padding: spark ? [2, 0, 2, 0] : undefined,
    hooks: opts.onDraw ? { draw: [() => opts.onDraw?.()] } : {},
  };
  return new uPlot(options, [data.x, ...data.series.map((s) => s.values)] as uPlot.AlignedData, el);
}
