// The streams dead letters go to: the store's own and each pipeline's dead-letter topic.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.ts';

export const STORE_DEAD_LETTERS = '_dead_letters';

export function useDeadLetterStreams(on: boolean): string[] | null {
  const [streams, setStreams] = useState<string[] | null>(null);
  useEffect(() => {
    if (!on) return;
    get<{ pipelines: Array<{ deadLetterTopic?: string }> }>('/api/v1/pipelines')
      .then((result) => setStreams([...new Set([STORE_DEAD_LETTERS, ...result.pipelines.map((p) => p.deadLetterTopic).filter((t): t is string => Boolean(t))])]))
      .catch(() => setStreams([STORE_DEAD_LETTERS]));
  }, [on]);
  return streams;
}
