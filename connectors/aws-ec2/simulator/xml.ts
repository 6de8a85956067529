/**
 * A tiny XML writer for EC2 Query responses. Objects become elements in key order, arrays become
 * `<item>` lists (an empty array is an empty element, as EC2 writes `<tagSet/>`), undefined is omitted.
 */
export type XmlValue = string | number | boolean | undefined | XmlValue[] | { [element: string]: XmlValue };

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) {
    if (value.length === 0) return `<${name}/>`;
    return `<${name}>${value.map((item) => element('item', item)).join('')}</${name}>`;
  }
  if (typeof value === 'object') return `<${name}>${children(value)}</${name}>`;
  return `<${name}>${escapeText(String(value))}</${name}>`;
}

function children(value: { [element: string]: XmlValue }): string {
  return Object.entries(value)
    .map(([name, child]) => element(name, child))
    .join('');
}

/** `<{Action}Response xmlns=…><requestId/>…</{Action}Response>` as EC2 answers a successful call. */
export function successXml(action: string, requestId: string, body: { [element: string]: XmlValue }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}">${element('requestId', requestId)}${children(body)}</${action}Response>`;
}

/** EC2's error envelope (note: `RequestID` here, `requestId` in success bodies, as the real service does). */
export function errorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeText(code)}</Code><Message>${escapeText(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

export function tagSetXml(tags: Map<string, string>): XmlValue[] {
  return [...tags].map(([key, value]) => ({ key, value }));
}
