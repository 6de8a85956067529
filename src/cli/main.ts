import { parseArgs } from 'node:util';
import { auditExport, auditTail, auditVerify } from './audit.ts';
import { configCheck } from './config-check.ts';
import { ANALYZE_USAGE, analyzeCommand } from './analyze.ts';
import { keysAudit, keysNew } from './keys.ts';
import { VALIDATE_USAGE, validateCommand } from './validate.ts';
import { serveCommand } from './serve.ts';
import { signCommand } from './sign.ts';
import { SUBMIT_USAGE, submitCommand } from './submit.ts';

const USAGE = `portcullis <command>

  serve [--config FILE]                 run the service (default config: ./portcullis.config.yaml or $PORTCULLIS_CONFIG)
  sign --client ID (--secret-env VAR | --secret-file FILE) (--body JSON | --body-file FILE)
       [--url URL] [--method POST] [--idempotency-key KEY] [--header 'Name: value']... [--format headers|curl|json]
                                        print Standard Webhooks headers, or a ready curl command, for a body
  keys new                              print a fresh whsec_ secret
  keys audit --out FILE                 write a fresh Ed25519 private key for audit checkpoints (0600), print the public key
  config check [--config FILE]          validate a config file and exit non-zero if it is bad
  audit tail [--url URL] [--token-env VAR] [--after CURSOR] [--format json|ocsf|cef] [--once] [filters]
                                        follow the audit log (filters: --client --playbook --run --target
                                        --action --outcome --since --until); token from $PORTCULLIS_TOKEN
  audit export --out FILE [--url URL] [--token-env VAR] [filters]
                                        stream the log as NDJSON to FILE, checkpoints to FILE.checkpoints.json
  audit verify [--url URL] | --file FILE [--checkpoints FILE] [--public-key PEM|JWK] [--json]
                                        verify the chain on the server, or an exported file offline;
                                        names the first bad seq and exits 1 when the log was tampered with
`;

/** A command returns its exit code; output goes through the given streams. */
export type Command = (args: string[], io: { out(s: string): void; err(s: string): void; env: NodeJS.ProcessEnv }) => Promise<number>;

const commands: Record<string, Command> = {
  serve: serveCommand,
  sign: signCommand,
  'keys new': keysNew,
  'keys audit': keysAudit,
  'config check': configCheck,
  validate: validateCommand,
  submit: submitCommand,
  analyze: analyzeCommand,
  'audit tail': auditTail,
  'audit export': auditExport,
  'audit verify': auditVerify,
};

export async function runCli(argv: string[], io: Parameters<Command>[1]): Promise<number> {
  const [first, second, ...rest] = argv;
  const two = `${first} ${second}`;
  if (commands[two]) return (commands[two] as Command)(rest, io);
  if (first && commands[first]) return (commands[first] as Command)(second === undefined ? rest : [second, ...rest], io);
  const usage = `${USAGE}\n${VALIDATE_USAGE}\n\n${SUBMIT_USAGE}\n\n${ANALYZE_USAGE}`;
  io.err(first && first !== '--help' && first !== 'help' ? `unknown command: ${argv.join(' ')}\n\n${usage}` : usage);
  return first === '--help' || first === 'help' ? 0 : 2;
}

export { parseArgs };

const isMain = process.argv[1] && /portcullis(\.mjs)?$|cli[\\/]main\.ts$/.test(process.argv[1]);
if (isMain) {
  const code = await runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
    env: process.env,
  });
  if (code !== 0 || !['serve'].includes(process.argv[2] ?? '')) process.exitCode = code;
}
