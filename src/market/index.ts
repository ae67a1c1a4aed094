export { type Offer, type OfferStruct, offerStruct, RequestStatus, type RequestStatusName } from './offer.ts'
export { priceAt } from './priceAt.ts'
export {
  type HardwareProfile, type BackendFit, type EngineFits, type ProfilePoint, parseHardwareProfile, fitLine, fitBackend, nLogN,
} from './hardwareProfile.ts'
export { loadHardwareProfile, DEFAULT_PROFILE } from './loadHardwareProfile.ts'
export { estimateProof, fitFor, provingSize, type ProofEstimate } from './estimateProof.ts'
export { quote, quoteToJson, offerFromQuote, type Quote, type QuoteOptions } from './quote.ts'
export { proofMarketContract, deployProofMarket } from './proofMarketContract.ts'
export { marketHooks, marketRevertReason, type MarketHooksOptions, type MarketHookEvent } from './marketHooks.ts'
export { proverReputation, type ProverReputation } from './proverReputation.ts'
export { PrepaidRounds, type PrepaidRoundsOptions, type PrepaidRoundsState } from './prepaidRounds.ts'
export { connectMarket, type MarketConnection } from './connectMarket.ts'
export { inputsCommitment, inputSignalsOf, statementOf } from './inputsCommitment.ts'
