// Hits over time, stacked by level; drag across it to zoom into that span.
import { useRef, useState } from 'preact/hooks';
import type { HistogramResult } from '../api.ts';
import { levelClass } from '../text.ts';

const HEIGHT = 96;
const ORDER = ['level-fatal', 'level-error', 'level-warn', 'level-info', 'level-debug', 'level-trace', 'level-other'];

function tickLabel(ms: number, span: number): string {
  const iso = new Date(ms).toISOString();
  return span <= 2 * 86_400_000 ? iso.slice(11, 16) : iso.slice(5, 10);
}

export function Histogram({ result, onZoom }: { result: HistogramResult | null; onZoom: (from: string, to: string) => void }) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ start: number; end: number } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const buckets = result?.buckets ?? [];
  if (!result) return <div class="histogram pending" data-testid="histogram" />;
  // a fixed range comes back as its buckets, each 0 when nothing matched
  if (buckets.every((bucket) => bucket.count === 0)) return <div class="histogram empty" data-testid="histogram">No records in this range</div>;

  const max = Math.max(1, ...buckets.map((bucket) => bucket.count));
  const first = Date.parse(buckets[0]!.ts);
  const end = Date.parse(buckets.at(-1)!.ts) + result.intervalMs;
  // bars sit at their time: a store may leave empty buckets out
  const n = Math.max(1, Math.round((end - first) / result.intervalMs));
  const slot = (ts: string) => (Date.parse(ts) - first) / result.intervalMs;
  const groups = [...new Set(buckets.flatMap((bucket) => Object.keys(bucket.groups ?? {})))]
    .sort((a, b) => ORDER.indexOf(levelClass(a)) - ORDER.indexOf(levelClass(b)) || a.localeCompare(b));
  const xOf = (clientX: number) => {
    const box = svg.current!.getBoundingClientRect();
    return Math.min(1, Math.max(0, (clientX - box.left) / box.width));
  };
  const msAt = (fraction: number) => first + fraction * (end - first);
  const ticks = Array.from({ length: 6 }, (_, i) => first + (i * (end - first)) / 5);
  const hoveredSlot = hover === null ? null : Math.floor(hover * n);
  const hovered = hoveredSlot === null ? null : buckets.find((bucket) => Math.round(slot(bucket.ts)) === hoveredSlot) ?? null;

  return (
    <div class="histogram" data-testid="histogram">
      <svg ref={svg} viewBox={`0 0 ${n} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label="Records over time; drag to zoom"
        onMouseDown={(event) => { const x = xOf(event.clientX); setDrag({ start: x, end: x }); }}
        onMouseMove={(event) => { const x = xOf(event.clientX); setHover(x); if (drag) setDrag({ ...drag, end: x }); }}
        onMouseLeave={() => setHover(null)}
        onMouseUp={() => {
          if (drag && Math.abs(drag.end - drag.start) > 0.005) {
            const [a, b] = [Math.min(drag.start, drag.end), Math.max(drag.start, drag.end)];
            onZoom(new Date(Math.floor(msAt(a))).toISOString(), new Date(Math.ceil(msAt(b))).toISOString());
          }
          setDrag(null);
        }}>
        {buckets.map((bucket) => {
          const i = slot(bucket.ts);
          let y = HEIGHT;
          const parts = bucket.groups ? groups.map((group) => [group, bucket.groups![group] ?? 0] as const) : [['total', bucket.count] as const];
          return parts.map(([group, count]) => {
            if (count === 0) return null;
            const height = (count / max) * (HEIGHT - 4);
            y -= height;
            return <rect key={`${i}-${group}`} x={i + 0.08} y={y} width={0.84} height={height} class={`bar ${levelClass(group)}`} />;
          });
        })}
        {drag ? <rect class="selection" x={Math.min(drag.start, drag.end) * n} y={0} width={Math.abs(drag.end - drag.start) * n} height={HEIGHT} /> : null}
      </svg>
      <div class="axis">{ticks.map((tick) => <span key={tick}>{tickLabel(tick, end - first)}</span>)}</div>
      <div class="legend">
        {groups.map((group) => <span key={group} class={`swatch ${levelClass(group)}`}>{group}</span>)}
        {hovered ? <span class="muted hover-info">{hovered.ts.replace('T', ' ').slice(0, 19)}: {hovered.count.toLocaleString('en')}</span> : <span class="muted hover-info">max {max.toLocaleString('en')} per {Math.round(result.intervalMs / 1000)} s · drag to zoom</span>}
      </div>
    </div>
  );
}
