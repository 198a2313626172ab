// A uPlot chart of ChartData, loaded on first use (charts/uplot.ts is its
// own chunk), as wide as its box (it follows resizes) and in the theme's
// colours (redrawn when the theme changes). The canvas is described for
// screen readers by `label`; the page's table holds the same numbers.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../components';
import { pointCount, type ChartData } from '../usage';
import type { Palette } from './uplot';

type Lib = typeof import('./uplot');
let lib: Promise<Lib> | null = null;
function loadLib(): Promise<Lib> {
  lib ??= import('./uplot');
  lib.catch(() => { lib = null; }); // a failed chunk load is tried again next time
  return lib;
}

// The CSS variables' colours as the canvas needs them (resolved: the
// variables hold light-dark() pairs).
function palette(el: HTMLElement): Palette {
  const probe = document.createElement('span');
  el.appendChild(probe);
  const colour = (v: string) => {
    probe.style.color = `var(${v})`;
    return getComputedStyle(probe).color;
  };
  const p = {
    fg: colour('--fg'),
    muted: colour('--muted'),
    grid: colour('--border'),
    series: ['--chart-1', '--chart-2', '--chart-3'].map(colour).map(toHex),
  };
  probe.remove();
  return p;
}

// "rgb(35, 86, 199)" → "#2356c7", so that a fill may append an alpha.
function toHex(rgb: string): string {
  const m = rgb.match(/\d+/g);
  if (!m || m.length < 3) return rgb;
  return `#${m.slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('')}`;
}

// A number that changes when the theme does (the toggle or the system's).
function useThemeRound(): number {
  const [round, setRound] = useState(0);
  useEffect(() => {
    const bump = () => setRound((r) => r + 1);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const query = window.matchMedia?.('(prefers-color-scheme: dark)');
    query?.addEventListener('change', bump);
    return () => {
      observer.disconnect();
      query?.removeEventListener('change', bump);
    };
  }, []);
  return round;
}

export function Chart(props: { data: ChartData; height: number; label: string; sparkline?: boolean; id?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const theme = useThemeRound();
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let live = true;
    let chart: { destroy(): void; setSize(s: { width: number; height: number }): void } | null = null;
    let observer: ResizeObserver | null = null;
    loadLib().then(
      ({ makeChart }) => {
        if (!live) return;
        const width = () => Math.max(120, Math.floor(el.clientWidth));
        // data-drawn: when the canvas was last drawn (performance.now()), for the tests and the bench.
        const onDraw = () => { el.dataset.drawn = String(performance.now()); };
        chart = makeChart(el, props.data, {
          width: width(), height: props.height, sparkline: props.sparkline, palette: palette(el), onDraw,
        });
        observer = new ResizeObserver(() => chart?.setSize({ width: width(), height: props.height }));
        observer.observe(el);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [props.data, props.height, theme]);
  if (failed) return <Alert>The chart could not be loaded. Reload the page to try again.</Alert>;
  return (
    <div ref={box} id={props.id} class={props.sparkline ? 'chart chart-spark' : 'chart'} role="img"
      aria-label={props.label} data-points={pointCount(props.data)} />
  );
}
