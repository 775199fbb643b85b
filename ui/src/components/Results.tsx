// Results newest first in a virtual list: only the rows on screen are in the page, so any number
// of hits scrolls smoothly; the next page loads before the end is reached. In live mode, new rows
// arrive on top without moving the reader when they have scrolled down.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Hit } from '../api.ts';
import { formatTs, levelClass, valueAtPath, valueText, visible } from '../text.ts';

export const ROW_HEIGHT = 26;
const OVERSCAN = 12;

export function Results({ hits, columns, more, selectedId, onSelect, onNearEnd, live, searching }: {
  hits: Hit[]; columns: string[]; more: boolean; selectedId: string | null; onSelect: (hit: Hit) => void; onNearEnd: () => void; live: boolean;
  /** A search is running: no rows yet means not yet, not none. */
  searching: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [unseen, setUnseen] = useState(0);
  const firstId = useRef<string | null>(null);

  useEffect(() => {
    const element = box.current!;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // rows added on top (live tail): keep the rows the reader looks at where they are
  useLayoutEffect(() => {
    const element = box.current!;
    const previous = firstId.current;
    firstId.current = hits[0]?.id ?? null;
    if (!live || previous === null) return;
    const added = hits.findIndex((hit) => hit.id === previous);
    if (added > 0 && element.scrollTop > 0) {
      element.scrollTop += added * ROW_HEIGHT;
      setUnseen((count) => count + added);
    }
  }, [hits]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(hits.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  useEffect(() => { if (more && last >= hits.length - OVERSCAN * 4) onNearEnd(); }, [last, hits.length, more]);

  const onScroll = () => {
    const top = box.current!.scrollTop;
    setScrollTop(top);
    if (top === 0) setUnseen(0);
  };

  return (
    <div class="results">
      <div class="row header" role="row">
        <span class="cell time">Time (UTC)</span><span class="cell level">Level</span>
        {columns.map((column) => <span key={column} class="cell column">{column}</span>)}
        <span class="cell message">Message</span>
      </div>
      {unseen > 0 ? <button class="new-rows" onClick={() => { box.current!.scrollTop = 0; setUnseen(0); }}>{unseen} new ↑</button> : null}
      <div class="rows" ref={box} onScroll={onScroll} data-testid="results" role="grid" aria-rowcount={hits.length}>
        <div style={{ height: `${hits.length * ROW_HEIGHT}px`, position: 'relative' }}>
          {hits.slice(first, last).map((hit, i) => {
            const level = hit.record.level;
            const message = hit.record.message;
            return (
              <div key={hit.id} role="row" class={`row ${hit.id === selectedId ? 'selected' : ''}`} data-id={hit.id}
                style={{ top: `${(first + i) * ROW_HEIGHT}px` }} onClick={() => onSelect(hit)}>
                <span class="cell time">{formatTs(hit.ts)}</span>
                <span class={`cell level ${levelClass(level)}`}>{level === undefined ? '' : visible(valueText(level))}</span>
                {columns.map((column) => {
                  const value = valueAtPath(hit.record, column);
                  return <span key={column} class="cell column">{value === undefined ? '' : visible(valueText(value))}</span>;
                })}
                <span class="cell message">{visible(valueText(message === undefined ? hit.record : message))}</span>
              </div>
            );
          })}
        </div>
        {hits.length > 0 ? null : searching ? <div class="searching muted">Searching…</div>
          : <div class="empty-results muted">No matching records. Widen the time range or change the query.</div>}
      </div>
    </div>
  );
}
