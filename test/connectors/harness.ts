import type { Connector, ConnectorErrorKind, NormalizedRule, RuleChange } from '../../src/connectors/types.ts';
import type { SimulatorControls } from '../../src/connectors/simulator.ts';
import type { FakeClock } from '../support/fake-clock.ts';

/**
 * What each cloud provides (in `connectors/<cloud>/harness.ts`) so the one connector contract suite
 * (`test/connectors/contract.ts`) runs against it. The connector talks to its simulator through the
 * real SDK; msw routes the SDK's HTTP into the simulator's fetch handler with `onUnhandledFrame: 'error'`.
 */
export interface ConnectorHarness {
  name: string;
  /**
   * Whether the cloud's writes are long-running operations the connector polls to the end (Azure ARM,
   * GCP Operations): the contract then checks slow operations are polled. EC2 answers writes synchronously.
   */
  longRunningOperations: boolean;
  /**
   * Whether the connector can isolate a host. One that cannot (a rule group or list filters addresses,
   * it has no hosts) must refuse quarantine and release clearly and change nothing; the suite checks that.
   */
  quarantine?: 'supported' | 'refused';
  /**
   * Whether the connector can open access. One that holds blocks only (a Cloudflare list a block rule
   * enforces) must refuse allow rules in validate; the suite then checks blocks alone, and that refusal.
   */
  allows?: 'supported' | 'refused';
  /** An IPv6 block the cloud accepts (default a /128; Cloudflare lists hold IPv6 prefixes of /64 or wider). */
  ipv6Block?: string;
  /** Fresh simulator state and a connector wired to it (fake clock in both). Called before each test. */
  setup(options?: { quotas?: Record<string, number> }): Promise<HarnessInstance>;
}

export interface HarnessInstance {
  connector: Connector;
  /** A target configured on the connector that exists in the simulator. */
  targetId: string;
  /** A host that exists in the simulator and can be quarantined on that target. */
  host: string;
  sim: SimulatorControls;
  clock: FakeClock;
  /** The simulator-side resource id rules of this placement live in (for addForeignRule / deleteOutOfBand). */
  resourceFor(placement: NormalizedRule['placement']): string;
  /** The placement where deny (block) rules live on this cloud, and where allow rules live. */
  placements: {
    deny: 'nacl' | 'nsg' | 'firewall' | 'nfw' | 'cf-list' | 'wafv2';
    allow: 'sg' | 'nsg' | 'firewall' | 'nfw' | 'cf-list' | 'wafv2';
  };
  /**
   * Prepares the simulator so that applying the returned changes must fail with a capacity or quota
   * error (and says which kind), without creating thousands of rules.
   */
  capacityScenario(): Promise<{ changes: RuleChange[]; expectKind: Extract<ConnectorErrorKind, 'capacity' | 'quota'> }>;
  /** Stops msw and anything else the setup started. */
  teardown(): Promise<void>;
}
