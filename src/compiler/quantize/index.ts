export { calibrate, validateSamples, type CalibrationCandidate, type CalibrationResult, type CalibrationTarget } from './calibrate.ts'
export { dequantize, dequantizeOutputs, quantizeInput, splitInputs } from './quantizeIo.ts'
export { fitsSigned, floorShift, reluRef, rescaleRef, sigmoidRef } from './reference.ts'
export { fidelityExceeded, locateFidelityLoss, measureLayerFidelity, MAX_LAYER_SAMPLES, type LayerFidelity, type LayerFidelityReport, type LayerWorst } from './layerFidelity.ts'
