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

interface BlocksPageBody {
  blocks: Block[];
  next: string | null;
}

/** Pages of GET /v1/blocks read per refresh (100 blocks each); "Show more" reads one more. */
const PAGE_SIZE = 100;

export function BlocksPage() {
  const tick = useLiveTick();
  const [blocks, setBlocks] = useState<Block[]>();
  const [more, setMore] = useState(false);
  const [pages, setPages] = useState(1);
  const [runs, setRuns] = useState<Map<string, Run>>(new Map());
  const [search, setSearch] = useState('');
  const [error, setError] = useState<unknown>();
  // A single address is looked up by the server (every block containing it, however many blocks
  // there are); anything else filters the pages read so far.
  const address = /^[0-9a-fA-F.:]+$/.test(search.trim()) && parseRange(search) ? search.trim() : undefined;
  useEffect(() => {
    (async () => {
      const list: Block[] = [];
      let path: string | null = address ? `/v1/blocks?ip=${encodeURIComponent(address)}&limit=1000` : `/v1/blocks?limit=${PAGE_SIZE}`;
      for (let page = 0; path && (address || page < pages); page++) {
        const body: BlocksPageBody = await getJson<BlocksPageBody>(path);
        list.push(...body.blocks);
        path = body.next;
      }
      setBlocks(list);
      setMore(path !== null);
      // Why and by whom live on the run that asked for the block.
      const ids = [...new Set(list.flatMap((b) => b.targets.map((t) => t.run)))];
      const found = await Promise.all(ids.map((id) => getJson<Run>(`/v1/runs/${id}`).catch(() => undefined)));
      setRuns(new Map(found.filter((r): r is Run => r !== undefined).map((r) => [r.id, r])));
      setError(undefined);
    })().catch(setError);
  }, [tick, pages, address]);
  const wanted = parseRange(search);
  const shown = (blocks ?? []).filter((b) => {
    if (!search.trim() || address) return true;
    const range = parseRange(b.cidr);
    if (wanted && range) return overlaps(wanted, range);
    return b.cidr.includes(search.trim());
  });
  return (
    <Section
      title={`Active blocks${blocks ? ` (${shown.length} of ${blocks.length}${more ? '+' : ''})` : ''}`}
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
      {blocks?.length === 0 && <p class="muted empty">{address ? `${address} is not blocked.` : 'No active blocks.'}</p>}
      {more && !address && (
        <button type="button" class="more" onClick={() => setPages(pages + 1)}>
          Show {PAGE_SIZE} more
        </button>
      )}
    </Section>
  );
}
