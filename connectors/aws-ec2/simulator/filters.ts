import { faults } from './faults.ts';
import type { Filter } from './query.ts';
import type { Tags } from './state.ts';

/**
 * EC2 filter semantics: filters are ANDed, values of one filter are ORed, `*` and `?` are wildcards,
 * `tag:<key>` matches a tag value and `tag-key` a tag key. An unknown filter name is an error, as in EC2.
 */
export type FieldReader<T> = (resource: T, filterName: string) => string[] | undefined;

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function matchesFilters<T extends { tags: Tags }>(resource: T, filters: Filter[], read: FieldReader<T>): boolean {
  return filters.every((filter) => {
    let actual: string[] | undefined;
    if (filter.name.startsWith('tag:')) {
      const value = resource.tags.get(filter.name.slice(4));
      actual = value === undefined ? [] : [value];
    } else if (filter.name === 'tag-key') {
      actual = [...resource.tags.keys()];
    } else {
      actual = read(resource, filter.name);
    }
    if (actual === undefined) throw faults.invalidFilter(filter.name);
    const patterns = filter.values.map(wildcard);
    return actual.some((value) => patterns.some((p) => p.test(value)));
  });
}
