fn main() {
    // Only the addon build links against node's napi symbols.
    if std::env::var("CARGO_FEATURE_NODE").is_ok() {
        napi_build::setup();
    }
}
