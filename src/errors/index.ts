export { BaseError, findError, type BaseErrorParameters } from './BaseError.ts'
export { errorCodes, type ErrorCode } from './codes.ts'
