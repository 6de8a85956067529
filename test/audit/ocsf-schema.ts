/**
 * A small validator over the OCSF 1.3.0 schema source files (test/fixtures/ocsf-1.3.0, copied from
 * ocsf/ocsf-schema at tag 1.3.0): resolves `extends` and `$include` (profiles apply only when named in
 * metadata.profiles), then checks every attribute of an event is defined for its class or object,
 * required ones are present, types match the dictionary, enum values exist, and the classification
 * (category, class, type uid and type_name) is the one the schema defines. Written for the tests here,
 * because the official validator is an Elixir server, not a library.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../fixtures/ocsf-1.3.0');

interface Attr {
  requirement?: string;
  type?: string;
  is_array?: boolean;
  enum?: Record<string, { caption: string }>;
  profile?: string | null;
  caption?: string;
}
interface SchemaFile {
  name: string;
  caption: string;
  uid?: number;
  category?: string;
  extends?: string;
  meta?: string;
  attributes: Record<string, Attr> & { $include?: string[] };
}
type Attrs = Record<string, Attr>;

/** Every file read, so the test can show that only these are committed. */
export const filesRead = new Set<string>();
const cache = new Map<string, SchemaFile>();
function load(rel: string): SchemaFile {
  let file = cache.get(rel);
  if (!file) {
    file = JSON.parse(readFileSync(join(ROOT, rel), 'utf8')) as SchemaFile;
    cache.set(rel, file);
    filesRead.add(rel);
  }
  return file;
}

const dictionary = () => load('dictionary.json') as unknown as { attributes: Attrs; types: { attributes: Record<string, { type?: string }> } };

/** Class files by name (the classes portcullis emits and their parents). */
const CLASS_FILES: Record<string, string> = {
  base_event: 'events/base_event.json',
  application: 'events/application/application.json',
  api_activity: 'events/application/api.json',
  remediation_activity: 'events/remediation/remediation_activity.json',
  network_remediation_activity: 'events/remediation/network_remediation_activity.json',
};

function merge(into: Attrs, from: Attrs, profile?: string): void {
  for (const [name, attr] of Object.entries(from)) {
    if (name === '$include') continue;
    const before = into[name] ?? {};
    const next: Attr = { ...before, ...attr, ...(before.enum || attr.enum ? { enum: { ...before.enum, ...attr.enum } } : {}) };
    if (profile && !('profile' in attr) && !into[name]) next.profile = profile;
    into[name] = next;
  }
}

function resolveAttrs(file: SchemaFile, parent: (name: string) => Attrs): Attrs {
  const out: Attrs = file.extends ? structuredClone(parent(file.extends)) : {};
  for (const inc of file.attributes.$include ?? []) {
    const included = load(inc);
    merge(out, included.attributes, inc.startsWith('profiles/') ? included.name : undefined);
  }
  merge(out, file.attributes);
  return out;
}

function classAttrs(name: string): Attrs {
  const file = CLASS_FILES[name];
  if (!file) throw new Error(`no class file for ${name}`);
  return resolveAttrs(load(file), classAttrs);
}

function objectAttrs(name: string): Attrs {
  const attrs = resolveAttrs(load(`objects/${name}.json`), objectAttrs);
  if (name === 'observable' && attrs.type_id) attrs.type_id.enum = { ...attrs.type_id.enum, ...observableTypes() };
  return attrs;
}

/**
 * The schema server generates observable.type_id's enum from the dictionary: each type and attribute
 * with an `observable` number (ip_t → 2 "IP Address", subnet_t → 12 "Subnet"...).
 */
function observableTypes(): Record<string, { caption: string }> {
  const out: Record<string, { caption: string }> = {};
  const { types, attributes } = dictionary();
  for (const entry of [...Object.values(types.attributes), ...Object.values(attributes)] as { observable?: number; caption?: string }[]) {
    if (entry.observable !== undefined) out[String(entry.observable)] = { caption: entry.caption ?? '' };
  }
  return out;
}

function baseType(type: string): string {
  let t = type;
  for (let i = 0; i < 5; i++) {
    const next = dictionary().types.attributes[t]?.type;
    if (!next) return t;
    t = next;
  }
  return t;
}

function checkValue(value: unknown, attr: Attr, path: string, profiles: Set<string>, errors: string[]): void {
  const type = attr.type ?? 'string_t';
  if (attr.is_array) {
    if (!Array.isArray(value)) {
      errors.push(`${path}: expected an array of ${type}`);
      return;
    }
    for (const [i, v] of value.entries()) checkValue(v, { ...attr, is_array: false }, `${path}[${i}]`, profiles, errors);
    return;
  }
  if (attr.enum && !(String(value) in attr.enum)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${Object.keys(attr.enum).join(', ')}`);
  if (!type.endsWith('_t')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) errors.push(`${path}: expected a ${type} object`);
    else checkObject(value as Record<string, unknown>, objectAttrs(type), path, profiles, errors);
    return;
  }
  const base = baseType(type);
  const ok =
    base === 'json_t' ||
    (base === 'string_t' && typeof value === 'string') ||
    ((base === 'integer_t' || base === 'long_t') && Number.isInteger(value)) ||
    (base === 'float_t' && typeof value === 'number') ||
    (base === 'boolean_t' && typeof value === 'boolean');
  if (!ok) errors.push(`${path}: ${JSON.stringify(value)} is not a ${type}`);
}

function checkObject(value: Record<string, unknown>, attrs: Attrs, path: string, profiles: Set<string>, errors: string[]): void {
  for (const [key, v] of Object.entries(value)) {
    const attr = attrs[key];
    const at = path ? `${path}.${key}` : key;
    if (!attr) {
      errors.push(`${at}: not an attribute of this class/object in OCSF 1.3.0`);
      continue;
    }
    if (attr.profile && !profiles.has(attr.profile)) errors.push(`${at}: belongs to the ${attr.profile} profile, which metadata.profiles does not name`);
    if (key === 'unmapped') continue;
    const dict = dictionary().attributes[key] ?? {};
    // The classification uids' enums are generated by the schema server; ocsfErrors checks them below.
    const generated = path === '' && (key === 'category_uid' || key === 'class_uid' || key === 'type_uid');
    const values = generated ? undefined : dict.enum || attr.enum ? { ...dict.enum, ...attr.enum } : undefined;
    const { enum: _e, ...rest } = { ...dict, ...attr };
    checkValue(v, { ...rest, ...(values ? { enum: values } : {}) } as Attr, at, profiles, errors);
  }
  for (const [key, attr] of Object.entries(attrs)) {
    if (attr.requirement !== 'required' || (attr.profile && !profiles.has(attr.profile))) continue;
    if (value[key] === undefined || value[key] === null) errors.push(`${path ? `${path}.` : ''}${key}: required and missing`);
  }
}

const CLASS_BY_UID: Record<number, string> = { 6003: 'api_activity', 7004: 'network_remediation_activity' };

/** Every way `event` departs from OCSF 1.3.0 (empty when it conforms). */
export function ocsfErrors(event: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const className = CLASS_BY_UID[event.class_uid as number];
  if (!className) return [`class_uid ${String(event.class_uid)} is not a class this validator knows`];
  const file = load(CLASS_FILES[className] as string);
  const attrs = classAttrs(className);
  const categories = (load('categories.json') as unknown as { attributes: Record<string, { uid: number; caption: string }> }).attributes;
  const category = categories[file.category ?? load(CLASS_FILES[file.extends ?? ''] ?? CLASS_FILES.base_event as string).category ?? ''];
  const metadata = (event.metadata ?? {}) as { profiles?: string[] };
  const profiles = new Set(metadata.profiles ?? []);
  checkObject(event, attrs, '', profiles, errors);
  checkObservables(event, errors);
  if (!category) return [...errors, `no category for ${className}`];
  const classUid = category.uid * 1000 + (file.uid ?? 0);
  const activity = attrs.activity_id?.enum?.[String(event.activity_id)];
  const expected: Record<string, unknown> = {
    category_uid: category.uid,
    category_name: category.caption,
    class_uid: classUid,
    class_name: file.caption,
    type_uid: classUid * 100 + Number(event.activity_id),
    type_name: `${file.caption}: ${activity?.caption}`,
  };
  for (const [key, want] of Object.entries(expected)) {
    if (event[key] !== undefined && event[key] !== want) errors.push(`${key}: ${JSON.stringify(event[key])}, the schema says ${JSON.stringify(want)}`);
  }
  const status = attrs.status_id?.enum?.[String(event.status_id)];
  if (status && event.status !== undefined && Number(event.status_id) !== 99 && event.status !== status.caption) {
    errors.push(`status: ${JSON.stringify(event.status)}, status_id ${String(event.status_id)} is "${status.caption}"`);
  }
  return errors;
}

/** The observable type ids of OCSF 1.3.0 (derived in the schema from the dictionary's types). */
export function observableTypeId(typeName: string): number | undefined {
  return (dictionary().types.attributes[typeName] as { observable?: number } | undefined)?.observable;
}

/** observables[].type must be the caption of its type_id. */
function checkObservables(event: Record<string, unknown>, errors: string[]): void {
  const types = observableTypes();
  for (const [i, o] of ((event.observables as { type_id?: number; type?: string }[] | undefined) ?? []).entries()) {
    const caption = types[String(o.type_id)]?.caption;
    if (caption && o.type !== undefined && o.type !== caption) errors.push(`observables[${i}].type: ${JSON.stringify(o.type)}, type_id ${o.type_id} is "${caption}"`);
  }
}
