export { explorerRoutes } from './explorerRoutes.ts'
export { FeedReader, type FeedRound, type FeedView } from './feedReader.ts'
export { feedsFromFile, parseFeedsConfig, type FeedEntry, type FeedsConfig, type FeedsSource } from './feedsConfig.ts'
export { explorerHtml } from './page.ts'
