import type { ApprovalPolicy, DisclosureThresholds } from '../request/approval-policy';
import type { ImportPolicy } from '../request/import-policy';

// Safe people: projects, memberships and accreditation, kept as events in one registry stream
// so every administrative act is on the record (and audited) like any other change.
/** `imports` was added later: a project without it takes DEFAULT_IMPORT_POLICY (import-policy.ts). */
export type ProjectPolicy = { approval: ApprovalPolicy; disclosure: DisclosureThresholds; imports?: ImportPolicy };

type AdminFact<TType extends string, TData> = { type: TType; data: TData & { by: string; at: string } };

export type ProjectCreated = AdminFact<'ProjectCreated', { projectId: string; name: string; policy: ProjectPolicy }>;
export type ProjectPolicyChanged = AdminFact<'ProjectPolicyChanged', { projectId: string; policy: ProjectPolicy }>;
export type MemberAdded = AdminFact<'MemberAdded', { projectId: string; userId: string }>;
export type MemberRemoved = AdminFact<'MemberRemoved', { projectId: string; userId: string }>;
/** Output checkers are assigned to the projects whose requests they review. */
export type CheckerAssigned = AdminFact<'CheckerAssigned', { projectId: string; userId: string }>;
export type CheckerUnassigned = AdminFact<'CheckerUnassigned', { projectId: string; userId: string }>;
export type AccreditationGranted = AdminFact<'AccreditationGranted', { userId: string; expiresAt: string }>;
export type AccreditationRevoked = AdminFact<'AccreditationRevoked', { userId: string; reason: string }>;

export type RegistryEvent =
  ProjectCreated | ProjectPolicyChanged | MemberAdded | MemberRemoved | CheckerAssigned | CheckerUnassigned | AccreditationGranted | AccreditationRevoked;

export type RegistryEventType = RegistryEvent['type'];
export const REGISTRY_EVENT_TYPES: readonly RegistryEventType[] = [
  'ProjectCreated',
  'ProjectPolicyChanged',
  'MemberAdded',
  'MemberRemoved',
  'CheckerAssigned',
  'CheckerUnassigned',
  'AccreditationGranted',
  'AccreditationRevoked',
];
