export { collectLocalFiles, localFileInput, LocalFilesError, type LocalFile, type LocalFilesErrorCode, type WalkNotice } from './local-files';
