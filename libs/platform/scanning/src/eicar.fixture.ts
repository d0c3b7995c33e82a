// The EICAR anti-virus test file (68 bytes). Kept in two halves so that this source file
// itself does not trip a scanner that reads the repository.
export const EICAR = Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''), 'latin1');
