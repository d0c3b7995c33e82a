import type { CheckFinding } from '@airlock/domain';
import type { RecordDecision, RecordTurn, RecordTurnFile, RecordVote, ReleaseRecord } from './release-record.types';

// The release record as a Five Safes RO-Crate (DARE UK TRE-FX profile 0.4, https://w3id.org/5s-crate/0.4)
// on RO-Crate 1.2. The crate root is the request's folder in the released bucket, so released files
// are data entities at their paths there. Review steps are the profile's AssessActions, typed with
// the Safe Haven Provenance terms: automated and manual disclosure checks (shp:DisclosureCheck), the
// checkers' sign-off of each turn (shp:SignOff) and the hash verified at release (shp:CheckValue).

export const FIVE_SAFES_PROFILE = 'https://w3id.org/5s-crate/0.4';
export const RO_CRATE_CONTEXT = 'https://w3id.org/ro/crate/1.2/context';
export const RO_CRATE_SPEC = 'https://w3id.org/ro/crate/1.2';
const SHP = 'https://w3id.org/shp#';
const SHA256_TERM = 'https://www.iana.org/assignments/named-information#sha-256';
const STATUS = {
  completed: 'http://schema.org/CompletedActionStatus',
  failed: 'http://schema.org/FailedActionStatus',
  potential: 'http://schema.org/PotentialActionStatus',
  active: 'http://schema.org/ActiveActionStatus',
} as const;
const MEDIA_TYPES: Record<string, string> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  text: 'text/plain',
  pdf: 'application/pdf',
  zip: 'application/zip',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

type Ref = { '@id': string };
export type CrateEntity = { '@id': string; '@type': string | string[]; [property: string]: unknown };
export type FiveSafesCrate = { '@context': string; '@graph': CrateEntity[] };
export type CrateOptions = {
  /** The TRE that publishes the release; a URI or a local `#id`. */
  tre?: { id: string; name: string };
  /** The JSON record stored next to the crate, listed as a part of it (the TRE's copy only). */
  recordFile?: string;
};

const ref = (id: string): Ref => ({ '@id': id });
const person = (name: string) => `#person-${encodeURIComponent(name)}`;
const localFile = (fileId: string, turn: number) => `#file-${fileId}-turn-${turn}`;
// RO-Crate 1.2: ids are IRI references; escape what would break a relative path.
const pathId = (path: string) =>
  path
    .split('/')
    .map((s) => s.replace(/%/g, '%25').replace(/ /g, '%20').replace(/#/g, '%23').replace(/\?/g, '%3F'))
    .join('/');

class Graph {
  private readonly entities = new Map<string, CrateEntity>();
  add(entity: CrateEntity): Ref {
    if (!this.entities.has(entity['@id'])) this.entities.set(entity['@id'], entity);
    return ref(entity['@id']);
  }
  list(): CrateEntity[] {
    return [...this.entities.values()];
  }
}

/** The crate for one record (use the record built for the same audience the crate is for). */
export function toFiveSafesCrate(record: ReleaseRecord, options: CrateOptions = {}): FiveSafesCrate {
  const graph = new Graph();
  const tre = options.tre ?? { id: '#tre', name: 'Trusted Research Environment' };
  const root = `requests/${record.request.requestId}/`;
  graph.add({ '@id': 'ro-crate-metadata.json', '@type': 'CreativeWork', about: ref('./'), conformsTo: ref(RO_CRATE_SPEC) });
  const rootEntity: CrateEntity = { '@id': './', '@type': 'Dataset' };
  graph.add(rootEntity);
  graph.add({ '@id': FIVE_SAFES_PROFILE, '@type': 'Profile', name: 'Five Safes RO-Crate profile', version: '0.4' });
  graph.add({ '@id': tre.id, '@type': 'Organization', name: tre.name });
  graph.add({ '@id': '#airlock', '@type': 'SoftwareApplication', name: 'Airlock egress control', provider: ref(tre.id) });
  const project = graph.add({
    '@id': `#project-${encodeURIComponent(record.project.projectId)}`,
    '@type': 'Project',
    name: record.project.projectId,
    identifier: record.project.projectId,
  });
  const author = graph.add({
    '@id': person(record.author.userId),
    '@type': 'Person',
    name: record.author.userId,
    identifier: record.author.userId,
    memberOf: project,
  });

  const dataIdOf = (file: RecordTurnFile, turn: number): string => {
    const released = record.files.find((f) => f.fileId === file.fileId && f.sha256 === file.sha256 && turn === record.release.turn);
    const present = released?.releasedKey?.startsWith(root) && !released.withdrawnAt;
    return present && released?.releasedKey ? pathId(released.releasedKey.slice(root.length)) : localFile(file.fileId, turn);
  };
  const fileRef = (file: RecordTurnFile, turn: number): Ref => graph.add(fileEntity(file, turn, dataIdOf(file, turn)));

  const mentions: Ref[] = [graph.add(requestAction(record, author, fileRef))];
  for (const turn of record.turns) mentions.push(...turnActions(graph, record, turn, fileRef));
  mentions.push(...releaseChecks(graph, record, fileRef));
  if (record.revocation) mentions.push(revocationAction(graph, record, fileRef));

  const dataEntities = record.files.filter((f) => f.released && !f.withdrawnAt).map((f) => fileRef(f, record.release.turn));
  const parts = options.recordFile
    ? [
        ...dataEntities,
        graph.add({
          '@id': options.recordFile,
          '@type': 'File',
          name: 'Airlock release record',
          encodingFormat: 'application/json',
          description: `Release record, recordVersion ${record.recordVersion}`,
          about: ref('./'),
        }),
      ]
    : dataEntities;
  const license = graph.add({ '@id': '#release-conditions', '@type': 'CreativeWork', name: 'Released under the conditions of the TRE that released it' });
  Object.assign(rootEntity, {
    name: `Release of "${record.request.title}"`,
    description: `Outputs released by the airlock from request ${record.request.requestId} (turn ${record.release.turn} of ${record.request.turns})${record.revocation ? '; the release was since revoked' : ''}.`,
    identifier: `urn:uuid:${record.request.requestId}`,
    conformsTo: ref(FIVE_SAFES_PROFILE),
    datePublished: record.release.releasedAt,
    publisher: ref(tre.id),
    license,
    sourceOrganization: project,
    hasPart: parts,
    mentions,
  });
  return { '@context': RO_CRATE_CONTEXT, '@graph': graph.list() };
}

function fileEntity(file: RecordTurnFile, turn: number, id: string): CrateEntity {
  const mediaType = file.check ? MEDIA_TYPES[file.check.fileType] : undefined;
  return {
    '@id': id,
    '@type': 'File',
    name: file.name,
    identifier: file.fileId,
    contentSize: String(file.size),
    sha256: file.sha256,
    ...(mediaType ? { encodingFormat: mediaType } : {}),
    description: `${file.kind} file in group "${file.group}", submitted in turn ${turn}`,
  };
}

/** The profile's requested action: here the researcher's egress request rather than a workflow run. */
function requestAction(record: ReleaseRecord, author: Ref, fileRef: (f: RecordTurnFile, turn: number) => Ref): CrateEntity {
  const last = record.turns[record.turns.length - 1];
  return {
    '@id': `#request-${record.request.requestId}`,
    '@type': 'CreateAction',
    name: `Egress request "${record.request.title}"`,
    agent: author,
    startTime: record.request.createdAt,
    endTime: record.release.releasedAt,
    actionStatus: STATUS.completed,
    object: last.files.map((f) => fileRef(f, last.turn)),
    result: record.files.filter((f) => f.released).map((f) => fileRef(f, last.turn)),
  };
}

function turnActions(graph: Graph, record: ReleaseRecord, turn: RecordTurn, fileRef: (f: RecordTurnFile, turn: number) => Ref): Ref[] {
  const actions: Ref[] = [];
  for (const file of turn.files) {
    const subject = fileRef(file, turn.turn);
    if (file.scan) actions.push(graph.add(scanAction(graph, file, turn.turn, subject)));
    if (file.check) actions.push(graph.add(automatedCheck(graph, file, turn.turn, subject)));
    for (const vote of file.votes) actions.push(graph.add(manualCheck(graph, vote, subject)));
  }
  if (turn.decision) actions.push(graph.add(signOff(graph, record, turn, turn.decision, fileRef)));
  return actions;
}

// Not a profile phase: a file-level security check of the kind its check phase allows.
function scanAction(graph: Graph, file: RecordTurnFile, turn: number, subject: Ref): CrateEntity {
  const scan = file.scan as NonNullable<RecordTurnFile['scan']>;
  const engine = scan.status === 'not_scanned' ? undefined : scan.engine;
  const scanner = graph.add({ '@id': '#malware-scanner', '@type': 'SoftwareApplication', name: 'clamd malware scanner', provider: ref('#airlock') });
  return {
    '@id': `#scan-${file.fileId}-turn-${turn}`,
    '@type': 'AssessAction',
    name: `Malware scan of ${file.name} (turn ${turn}): ${scan.status}`,
    endTime: scan.scannedAt,
    object: subject,
    agent: scanner,
    ...(engine ? { instrument: graph.add({ '@id': `#scanner-engine-${encodeURIComponent(engine)}`, '@type': 'SoftwareApplication', name: engine }) } : {}),
    actionStatus: scan.status === 'clean' ? STATUS.completed : STATUS.failed,
  };
}

const describeFinding = (f: CheckFinding) =>
  `${f.rule} (${f.verdict}): ${f.message}${f.cells.length ? ` [cells ${f.cells.map((c) => `r${c.row}c${c.column}`).join(', ')}${(f.cellCount ?? 0) > f.cells.length ? `, … (${f.cellCount} in all)` : ''}]` : ''}`;

/** The automated disclosure check, with the rule parameters it applied as PropertyValues. */
function automatedCheck(graph: Graph, file: RecordTurnFile, turn: number, subject: Ref): CrateEntity {
  const check = file.check as NonNullable<RecordTurnFile['check']>;
  const rules = graph.add({
    '@id': `#disclosure-rules-${encodeURIComponent(check.rulesVersion)}`,
    '@type': 'SoftwareApplication',
    name: 'Airlock statistical disclosure control rules',
    softwareVersion: check.rulesVersion,
    provider: ref('#airlock'),
  });
  const parameters = Object.entries(check.policy).map(([key, value]) =>
    graph.add({
      '@id': `#disclosure-rules-${encodeURIComponent(check.rulesVersion)}-turn-${turn}/${encodeURIComponent(key)}`,
      '@type': 'PropertyValue',
      name: key,
      value,
    }),
  );
  return {
    '@id': `#disclosure-check-${file.fileId}-turn-${turn}`,
    '@type': 'AssessAction',
    additionalType: ref(`${SHP}DisclosureCheck`),
    name: `Automated disclosure check of ${file.name} (turn ${turn}): ${check.verdict}`,
    ...(check.findings.length ? { description: check.findings.map(describeFinding).join('; ') } : {}),
    endTime: check.checkedAt,
    object: [ref('./'), subject],
    agent: rules,
    instrument: parameters,
    // `review`: the rules could not judge the file; the check is left to people.
    actionStatus: check.verdict === 'pass' ? STATUS.completed : check.verdict === 'fail' ? STATUS.failed : STATUS.potential,
  };
}

/** One checker's vote on one file: a manual disclosure check by a Person. */
function manualCheck(graph: Graph, vote: RecordVote, subject: Ref): CrateEntity {
  const checker = graph.add({ '@id': person(vote.checker), '@type': 'Person', name: vote.checker, identifier: vote.checker });
  const notes = [
    vote.carriedFromTurn !== undefined ? `approval carried from turn ${vote.carriedFromTurn}: bytes unchanged` : undefined,
    vote.comment ? `${vote.comment.visibility} comment: ${vote.comment.text}` : undefined,
    vote.overridden ? `overrides a failed rule${vote.overrideJustification ? `: ${vote.overrideJustification}` : ''}` : undefined,
  ].filter(Boolean);
  return {
    '@id': vote.eventId ? `#vote-${vote.eventId}` : `#vote-${vote.fileId}-turn-${vote.turn}-${encodeURIComponent(vote.checker)}`,
    '@type': 'AssessAction',
    additionalType: ref(`${SHP}DisclosureCheck`),
    name: `Disclosure check of ${vote.fileName} by ${vote.checker} (turn ${vote.turn}): ${vote.decision.replace('_', ' ')}`,
    ...(notes.length ? { description: notes.join('; ') } : {}),
    endTime: vote.castAt,
    object: [ref('./'), subject],
    agent: checker,
    actionStatus: vote.decision === 'approve' ? STATUS.completed : STATUS.failed,
  };
}

/** The decision of a turn under the approval policy then in force (the policy as PropertyValues). */
function signOff(
  graph: Graph,
  record: ReleaseRecord,
  turn: RecordTurn,
  decision: RecordDecision,
  fileRef: (f: RecordTurnFile, turn: number) => Ref,
): CrateEntity {
  const policy = Object.entries(decision.policy).map(([key, value]) =>
    graph.add({ '@id': `#approval-policy-turn-${turn.turn}/${encodeURIComponent(key)}`, '@type': 'PropertyValue', name: key, value }),
  );
  const project = ref(`#project-${encodeURIComponent(record.project.projectId)}`);
  return {
    '@id': `#signoff-turn-${turn.turn}`,
    '@type': 'AssessAction',
    additionalType: ref(`${SHP}SignOff`),
    name: `Sign-off of turn ${turn.turn} under the project's approval policy: ${decision.decision.replace('_', ' ')}`,
    endTime: decision.decidedAt,
    object: [ref('./'), project, ...turn.files.map((f) => fileRef(f, turn.turn))],
    agent: decision.by.map((p) => graph.add({ '@id': person(p), '@type': 'Person', name: p, identifier: p })),
    instrument: policy,
    actionStatus: decision.decision === 'approved' ? STATUS.completed : STATUS.failed,
  };
}

/** The frozen SHA-256 verified on the copy into the released bucket (docs/design.md invariant 2). */
function releaseChecks(graph: Graph, record: ReleaseRecord, fileRef: (f: RecordTurnFile, turn: number) => Ref): Ref[] {
  const algorithm = graph.add({ '@id': SHA256_TERM, '@type': 'DefinedTerm', name: 'sha-256 algorithm' });
  return record.release.files.map((released) => {
    const file = record.files.find((f) => f.fileId === released.fileId) as RecordTurnFile;
    return graph.add({
      '@id': `#hash-verified-${released.fileId}`,
      '@type': 'AssessAction',
      additionalType: ref(`${SHP}CheckValue`),
      name: `SHA-256 of ${released.name} verified on release: OK`,
      endTime: released.releasedAt,
      object: fileRef(file, record.release.turn),
      instrument: algorithm,
      agent: ref('#airlock'),
      actionStatus: STATUS.completed,
    });
  });
}

function revocationAction(graph: Graph, record: ReleaseRecord, fileRef: (f: RecordTurnFile, turn: number) => Ref): Ref {
  const revocation = record.revocation as NonNullable<ReleaseRecord['revocation']>;
  const admin = graph.add({ '@id': person(revocation.revokedBy), '@type': 'Person', name: revocation.revokedBy, identifier: revocation.revokedBy });
  const released = record.files.filter((f) => f.released);
  const done = released.every((f) => f.withdrawnAt);
  return graph.add({
    '@id': '#revocation',
    '@type': 'DeleteAction',
    name: `Release revoked: ${done ? 'released objects removed' : 'removing released objects'}`,
    description: revocation.reason,
    startTime: revocation.revokedAt,
    ...(done && revocation.withdrawn.length ? { endTime: revocation.withdrawn[revocation.withdrawn.length - 1].withdrawnAt } : {}),
    agent: admin,
    object: released.map((f) => fileRef(f, record.release.turn)),
    targetCollection: ref('./'),
    actionStatus: done ? STATUS.completed : STATUS.active,
  });
}
