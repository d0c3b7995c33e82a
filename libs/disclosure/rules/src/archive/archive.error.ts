/**
 * Why an archive (zip, xlsx) could not be read to the end. Limits, encryption and a central
 * directory that disagrees with the entries are deliberate concealment or bombs, so they fail;
 * corrupt or unsupported content cannot be judged, so it goes to a person.
 */
export type ArchiveErrorCode = 'corrupt' | 'truncated' | 'unsupported' | 'encrypted' | 'too-many-entries' | 'too-large' | 'ratio' | 'too-deep' | 'inconsistent';

export class ArchiveError extends Error {
  constructor(
    readonly code: ArchiveErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveError';
  }

  get verdict(): 'fail' | 'review' {
    return this.code === 'corrupt' || this.code === 'truncated' || this.code === 'unsupported' ? 'review' : 'fail';
  }
}
