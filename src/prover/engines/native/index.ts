export { loadNativeAddon, nativeAddonPath, type NativeAddon, type NativeKeyHandle } from './addon.ts'
export { nativeError } from './errors.ts'
export { nativeEngine, proveWtns, proveWtnsBatch, type NativeCircuit, type NativeTimings } from './nativeEngine.ts'
export { selectEngine, type EngineName } from './selectEngine.ts'
