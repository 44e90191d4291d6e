// The operator's version: the package version, stamped into the binary at build time (JSON imports are bundled).
import packageJson from '../package.json' with { type: 'json' };

export const operatorVersion: string = packageJson.version;
