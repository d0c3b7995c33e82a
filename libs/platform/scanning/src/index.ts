export type { MalwareScanner, ScanResult } from './malware-scanner.port';
export { ScannerUnavailableError, ScanningError, type ScanningErrorCode } from './scanning.errors';
export { ClamdScanner, type ClamdScannerConfig } from './clamd-scanner';
export { parseInstreamReply, toScanResult, TOO_LARGE_REASON, type InstreamReply } from './clamd-reply';
export { NO_SCANNER_REASON, UnavailableScanner } from './unavailable-scanner';
