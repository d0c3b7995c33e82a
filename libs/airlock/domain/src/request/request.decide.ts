import type { RequestCommand } from './request.commands';
import type { RequestEvent } from './request.events';
import type { RequestState } from './request.state';
import { requireTextWithinLimits } from './request.limits';
import { addFile, createRequest, defineGroup, removeFile, submit, withdraw } from './draft.decide';
import { recordCheck, recordScan, startChecks } from './checks.decide';
import { addComment, castVote, requestException } from './review.decide';
import { failRequest, issueDownloadLink, moveRejectedFile, recordDownload, releaseFile, revoke, withdrawReleasedFile } from './release.decide';

/** Exhaustive: a new command does not compile until it has a decider. */
export function decide(command: RequestCommand, state: RequestState): RequestEvent[] {
  requireTextWithinLimits(command);
  switch (command.type) {
    case 'CreateRequest':
      return createRequest(command, state);
    case 'DefineGroup':
      return defineGroup(command, state);
    case 'AddFile':
      return addFile(command, state);
    case 'RemoveFile':
      return removeFile(command, state);
    case 'Submit':
      return submit(command, state);
    case 'Withdraw':
      return withdraw(command, state);
    case 'StartChecks':
      return startChecks(command, state);
    case 'RecordScan':
      return recordScan(command, state);
    case 'RecordCheck':
      return recordCheck(command, state);
    case 'RequestException':
      return requestException(command, state);
    case 'CastVote':
      return castVote(command, state);
    case 'AddComment':
      return addComment(command, state);
    case 'ReleaseFile':
      return releaseFile(command, state);
    case 'IssueDownloadLink':
      return issueDownloadLink(command, state);
    case 'RecordDownload':
      return recordDownload(command, state);
    case 'Revoke':
      return revoke(command, state);
    case 'WithdrawReleasedFile':
      return withdrawReleasedFile(command, state);
    case 'MoveRejectedFile':
      return moveRejectedFile(command, state);
    case 'FailRequest':
      return failRequest(command, state);
  }
}
