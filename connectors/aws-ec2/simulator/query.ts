/**
 * EC2 Query request parameters: a form-urlencoded body whose lists are flattened as `Name.N`
 * (and nested structures as `Name.N.Member`), as the SDK's ec2Query serializer writes them.
 */
export class QueryParams {
  private readonly values: Map<string, string>;
  constructor(values: Map<string, string>) {
    this.values = values;
  }

  static parse(body: string): QueryParams {
    return new QueryParams(new Map(new URLSearchParams(body)));
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  int(name: string): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    return Number.isInteger(value) ? value : Number.NaN;
  }

  bool(name: string): boolean {
    return this.values.get(name)?.toLowerCase() === 'true';
  }

  /** Scalar list `Name.1`, `Name.2`, … in index order. */
  list(prefix: string): string[] {
    return this.indexes(prefix).flatMap((n) => {
      const value = this.values.get(`${prefix}.${n}`);
      return value === undefined ? [] : [value];
    });
  }

  /** Structure list `Name.N.Member`: one scoped QueryParams per index, in index order. */
  structs(prefix: string): QueryParams[] {
    return this.indexes(prefix).map((n) => this.scope(`${prefix}.${n}`));
  }

  /** The members under `prefix.` as their own parameter set (for nested structures). */
  scope(prefix: string): QueryParams {
    const scoped = new Map<string, string>();
    for (const [key, value] of this.values) {
      if (key.startsWith(`${prefix}.`)) scoped.set(key.slice(prefix.length + 1), value);
    }
    return new QueryParams(scoped);
  }

  has(prefix: string): boolean {
    for (const key of this.values.keys()) if (key === prefix || key.startsWith(`${prefix}.`)) return true;
    return false;
  }

  private indexes(prefix: string): number[] {
    const found = new Set<number>();
    for (const key of this.values.keys()) {
      if (!key.startsWith(`${prefix}.`)) continue;
      const n = Number(key.slice(prefix.length + 1).split('.')[0]);
      if (Number.isInteger(n) && n > 0) found.add(n);
    }
    return [...found].sort((a, b) => a - b);
  }
}

export interface Filter {
  name: string;
  values: string[];
}

export function filtersOf(params: QueryParams): Filter[] {
  return params.structs('Filter').map((f) => ({ name: f.get('Name') ?? '', values: f.list('Value') }));
}
