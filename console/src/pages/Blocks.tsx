import { useEffect, useState } from 'preact/hooks';
import { type Run, getJson } from '../api.ts';
import { ErrorBox, Section, State, Time } from '../components.tsx';
import { overlaps, parseRange } from '../cidr.ts';
import { useLiveTick } from '../live.ts';

interface Block {
  cidr: string;
  direction: string;
  expires_at: string | null;
  offenses: number;
  targets: { connector: string; target: string; state: string; error: string | null; run: string }[];
}

export function BlocksPage() {
  const tick = useLiveTick();
  const [blocks, setBlocks] = useState<Block[]>();
  const [runs, setRuns] = useState<Map<string, Run>>(new Map());
  const [search, setSearch] = useState('');
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    (async () => {
      const { blocks } = await getJson<{ blocks: Block[] }>('/v1/blocks');
      setBlocks(blocks);
      // Why and by whom live on the run that asked for the block.
      const ids = [...new Set(blocks.flatMap((b) => b.targets.map((t) => t.run)))];
      const found = await Promise.all(ids.map((id) => getJson<Run>(`/v1/runs/${id}`).catch(() => undefined)));
      setRuns(new Map(found.filter((r): r is Run => r !== undefined).map((r) => [r.id, r])));
      setError(undefined);
    })().catch(setError);
  }, [tick]);
  const wanted = parseRange(search);
  const shown = (blocks ?? []).filter((b) => {
    if (!search.trim()) return true;
    const range = parseRange(b.cidr);
    if (wanted && range) return overlaps(wanted, range);
    return b.cidr.includes(search.trim());
  });
  return (
    <Section
      title={`Active blocks${blocks ? ` (${shown.length} of ${blocks.length})` : ''}`}
      actions={
        <input
          type="search"
          class="search"
          placeholder="Search by address or CIDR, e.g. 203.0.113.0/24"
          value={search}
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
        />
      }
    >
      <ErrorBox error={error} />
      {search.trim() && !wanted && <p class="muted small">Not an address or CIDR: matching as text.</p>}
      <table class="table blocks">
        <thead>
          <tr>
            <th>CIDR</th>
            <th>direction</th>
            <th>until</th>
            <th>offences</th>
            <th>where</th>
            <th>why</th>
            <th>by whom</th>
            <th>run</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((b) => {
            const run = runs.get(b.targets[0]?.run ?? '');
            return (
              <tr key={`${b.cidr}|${b.direction}`}>
                <td class="mono">{b.cidr}</td>
                <td>{b.direction}</td>
                <td>
                  <Time iso={b.expires_at} />
                </td>
                <td>{b.offenses}</td>
                <td>
                  {b.targets.map((t) => (
                    <div key={`${t.connector}/${t.target}`}>
                      {t.connector}/{t.target} <State value={t.state} />
                      {t.error && <div class="error small">{t.error}</div>}
                    </div>
                  ))}
                </td>
                <td>{String(run?.inputs.reason ?? '')}</td>
                <td>{run?.client ?? ''}</td>
                <td class="mono small">{b.targets[0]?.run}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {blocks?.length === 0 && <p class="muted empty">No active blocks.</p>}
    </Section>
  );
}
