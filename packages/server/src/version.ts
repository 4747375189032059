import serverPackage from '../package.json' with { type: 'json' }

/** Version of the server, and of the HTTP API it publishes in its OpenAPI document. */
export const API_VERSION: string = serverPackage.version
