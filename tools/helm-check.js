#!/usr/bin/env node
// What the Helm chart's rendered manifests must hold beyond schema validity (kubeconform checks
// that): non-root pods on a read-only root filesystem, probes and resource limits on every
// container, secrets by reference only, no development identity, download links on a public URL,
// and a NetworkPolicy that lets traffic from outside reach ingress and egress-review only.
// Usage: node tools/helm-check.js rendered.yaml (the output of `helm template`).
'use strict';
const fs = require('node:fs');
const { parseAllDocuments } = require('yaml');

const SERVICES = ['ingress', 'egress-review', 'disclosure-check', 'audit'];
const PUBLIC = new Set(['ingress', 'egress-review']);

const file = process.argv[2];
if (!file) throw new Error('usage: helm-check.js rendered.yaml');
const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'))
  .map((d) => d.toJS())
  .filter(Boolean);
const problems = [];
const expect = (ok, message) => {
  if (!ok) problems.push(message);
};
const ofKind = (kind) => docs.filter((d) => d.kind === kind);
const component = (d) => d.metadata?.labels?.['app.kubernetes.io/component'];

expect(ofKind('Secret').length === 0, 'the chart renders a Secret: secrets must be referenced (existingSecret), never held in the chart');
for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) {
  const found = ofKind(kind).map(component).sort();
  expect(
    JSON.stringify(found) === JSON.stringify([...SERVICES].sort()),
    `${kind}: want one per service (${SERVICES.join(', ')}), got ${found.join(', ') || 'none'}`,
  );
}

const [configMap] = ofKind('ConfigMap');
expect(configMap, 'no ConfigMap');
const settings = configMap?.data ?? {};
const publicUrl = settings.AIRLOCK_PUBLIC_INGRESS_URL ?? '';
expect(
  /^https?:\/\//.test(publicUrl) && !/\/\/(0\.0\.0\.0|\[::\])(:|\/|$)/.test(publicUrl),
  `AIRLOCK_PUBLIC_INGRESS_URL=${publicUrl}: download links need a public base URL`,
);
expect(settings.AIRLOCK_OIDC_ISSUER, 'AIRLOCK_OIDC_ISSUER is not set');
expect(!('AIRLOCK_DEV_IDENTITY' in settings), 'AIRLOCK_DEV_IDENTITY in the ConfigMap');
// ci/test-values.yaml names a collector: its URL must reach every service as OTel's own variable.
expect(/^https?:\/\//.test(settings.OTEL_EXPORTER_OTLP_ENDPOINT ?? ''), 'OTEL_EXPORTER_OTLP_ENDPOINT is not in the ConfigMap');

for (const deployment of ofKind('Deployment')) {
  const name = component(deployment);
  const pod = deployment.spec.template.spec;
  expect(pod.securityContext?.runAsNonRoot === true, `${name}: pod runAsNonRoot is not true`);
  expect(pod.automountServiceAccountToken === false, `${name}: mounts a service account token it never uses`);
  for (const c of pod.containers) {
    const where = `${name}/${c.name}`;
    expect(c.securityContext?.readOnlyRootFilesystem === true, `${where}: root filesystem is not read-only`);
    expect(c.securityContext?.allowPrivilegeEscalation === false, `${where}: allows privilege escalation`);
    expect(c.securityContext?.capabilities?.drop?.includes('ALL'), `${where}: does not drop all capabilities`);
    expect(c.livenessProbe?.httpGet?.path === '/health/live', `${where}: no liveness probe on /health/live`);
    expect(c.readinessProbe?.httpGet?.path === '/health/ready', `${where}: no readiness probe on /health/ready`);
    for (const kind of ['requests', 'limits']) {
      expect(c.resources?.[kind]?.cpu && c.resources?.[kind]?.memory, `${where}: no cpu and memory ${kind}`);
    }
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
    expect(env.SERVICE?.value === name, `${where}: SERVICE is ${env.SERVICE?.value}, not ${name}`);
    for (const secret of ['AIRLOCK_DATABASE_URL', 'AIRLOCK_S3_ACCESS_KEY', 'AIRLOCK_S3_SECRET_KEY']) {
      expect(env[secret]?.valueFrom?.secretKeyRef?.name && env[secret].value === undefined, `${where}: ${secret} is not taken from a Secret by reference`);
    }
    expect(!env.AIRLOCK_DEV_IDENTITY, `${where}: AIRLOCK_DEV_IDENTITY is set`);
  }
  if (name === 'audit') {
    const key = pod.volumes?.find((v) => v.name === 'audit-signing-key');
    expect(key?.secret?.secretName, 'audit: the signing key is not mounted from a Secret');
    // Secret files are root-owned, group fsGroup: the service's user reads them through the group.
    expect(
      key?.secret?.defaultMode === 0o440 && pod.securityContext?.fsGroup === pod.securityContext?.runAsUser,
      'audit: the signing key is not readable by the service user alone (mode 0440, fsGroup = runAsUser)',
    );
    const mount = pod.containers[0].volumeMounts?.find((m) => m.name === key?.name);
    const file = pod.containers[0].env.find((e) => e.name === 'AIRLOCK_AUDIT_SIGNING_KEY_FILE')?.value ?? '';
    expect(mount?.readOnly && file.startsWith(`${mount.mountPath}/`), `audit: AIRLOCK_AUDIT_SIGNING_KEY_FILE=${file} is not on the read-only key mount`);
    // The retired checkpoint keys (public) after a rotation: a read-only Secret mount, like the key.
    const retired = pod.volumes?.find((v) => v.name === 'audit-retired-keys');
    const retiredMount = pod.containers[0].volumeMounts?.find((m) => m.name === 'audit-retired-keys');
    const retiredFile = pod.containers[0].env.find((e) => e.name === 'AIRLOCK_AUDIT_RETIRED_PUBLIC_KEYS_FILE')?.value ?? '';
    expect(retired?.secret?.secretName, 'audit: the retired public keys are not mounted from a Secret');
    expect(
      retiredMount?.readOnly && retiredFile.startsWith(`${retiredMount.mountPath}/`),
      `audit: AIRLOCK_AUDIT_RETIRED_PUBLIC_KEYS_FILE=${retiredFile} is not on the read-only retired-keys mount`,
    );
  }
}

for (const policy of ofKind('NetworkPolicy')) {
  const name = component(policy);
  const rules = policy.spec.ingress ?? [];
  expect(policy.spec.policyTypes?.includes('Ingress'), `${name}: NetworkPolicy does not govern ingress`);
  expect(policy.spec.podSelector?.matchLabels?.['app.kubernetes.io/component'] === name, `${name}: NetworkPolicy selects other pods`);
  if (PUBLIC.has(name)) {
    expect(
      rules.some((r) => r.ports?.some((p) => p.port === 'http')),
      `${name}: takes no traffic from outside, but it must`,
    );
  } else {
    // Only the metrics scrapers (when configured): a rule without `from` admits every source.
    expect(
      rules.every((r) => Array.isArray(r.from) && r.from.length > 0),
      `${name}: a NetworkPolicy rule admits every source`,
    );
  }
}

for (const pdb of ofKind('PodDisruptionBudget')) {
  const deployment = ofKind('Deployment').find((d) => component(d) === component(pdb));
  expect(
    JSON.stringify(pdb.spec.selector?.matchLabels) === JSON.stringify(deployment?.spec.selector.matchLabels),
    `${component(pdb)}: PodDisruptionBudget selects other pods than its Deployment`,
  );
}

if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`helm-check: ${p}\n`);
  process.exit(1);
}
console.log(`helm-check: ${docs.length} manifests hold (${SERVICES.length} services; public: ${[...PUBLIC].join(', ')})`);
