/**
 * Ports that must not be open to the internet: remote administration and databases. The shipped Cedar
 * policies (playbooks/policies/deny-internet-*.cedar) forbid exactly these; a test keeps the two in step.
 */
export const SENSITIVE_PORTS = {
  admin: [
    { port: 22, service: 'SSH' },
    { port: 23, service: 'Telnet' },
    { port: 445, service: 'SMB' },
    { port: 3389, service: 'RDP' },
    { port: 5900, service: 'VNC' },
    { port: 5985, service: 'WinRM (HTTP)' },
    { port: 5986, service: 'WinRM (HTTPS)' },
  ],
  database: [
    { port: 1433, service: 'SQL Server' },
    { port: 1521, service: 'Oracle' },
    { port: 2379, service: 'etcd' },
    { port: 3306, service: 'MySQL' },
    { port: 5432, service: 'PostgreSQL' },
    { port: 6379, service: 'Redis' },
    { port: 9200, service: 'Elasticsearch' },
    { port: 11211, service: 'memcached' },
    { port: 27017, service: 'MongoDB' },
  ],
} as const;

export const ALL_SENSITIVE_PORTS = [...SENSITIVE_PORTS.admin, ...SENSITIVE_PORTS.database];
