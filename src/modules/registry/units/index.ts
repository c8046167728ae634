export * from './contract.js';
export { unitMigrations } from './schema.js';
export { UnitService, retirementLinks } from './operations.js';
export type {
  AccountView,
  HoldingView,
  MoveAnswer,
  TransactionView,
  SerialHistory,
  UnitsInput,
  TransferRequest,
  RetireRequest,
} from './operations.js';
export { UnitCore, parseQuantity, type Viewer as UnitViewer } from './service.js';
export { formatSerial, parseSerial, formatAccountNumber, type ParsedSerial } from './serial.js';
export { unitRoutes } from './routes.js';
export { unitCommands } from './cli.js';
export { seedUnitDemo } from './demo.js';
