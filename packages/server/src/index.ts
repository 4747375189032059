export { CairnServer } from './server.ts'
export { loadConfig, type ServerConfig } from './config.ts'
