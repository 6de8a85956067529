export { type AppDecision, type AppReport, type CurrentRules, decideAppSources } from './report.ts';
export { type DecideContext, type RunRequest, decideRule } from './decide.ts';
export { type IdentityEntry, identitiesSchema, tierOf } from './identities.ts';
export { readAppFile, readAppSources } from './read.ts';
export { toJunit } from './formats/junit.ts';
export { toMarkdown } from './formats/markdown.ts';
export { toSarif } from './formats/sarif.ts';
export type { AppRule, IdentityRef, ReadProblem, ReadResult, SourceKind } from './types.ts';
