// Live tail: new matching records from the server (server-sent events, filtered there), newest first.
import { useEffect, useState } from 'preact/hooks';
import { events, type Hit } from '../api.ts';
import type { SearchState } from '../state.ts';

export function useLiveTail(on: boolean, state: SearchState): Hit[] {
  const [arrived, setArrived] = useState<Hit[]>([]);
  const key = `${state.q}|${state.streams.join(',')}`;
  useEffect(() => {
    if (!on) return;
    const controller = new AbortController();
    // the tail follows new records whatever the time range: q and streams filter them
    void events('/api/v1/tail', { q: state.q || undefined, stream: state.streams.join(',') || undefined }, (name, data) => {
      if (name === 'hits') setArrived((JSON.parse(data) as Hit[]).reverse());
    }, controller.signal).catch(() => undefined);
    return () => controller.abort();
  }, [on, key]);
  return arrived;
}
