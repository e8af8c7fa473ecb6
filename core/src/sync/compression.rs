//! How sync messages are compressed: zstd at a high level, and from protocol 5 with a
//! dictionary fixed for the version, trained on messages of phones syncing in made-up
//! districts (`examples/train_sync_dictionary.rs`). A day's request is a few kilobytes, where
//! zstd alone learns little before the message ends; the dictionary brings the layout of a
//! message and of an enrolment's change with it, so even a request of one enrolment is small.
//!
//! A frame names the dictionary it was compressed with, so a reader picks the dictionary by
//! the frame, not by the version inside it, which it can only read afterwards.

use std::sync::LazyLock;

use zstd::dict::{DecoderDictionary, EncoderDictionary};

use crate::error::{Error, Result};

/// zstd level for sync messages: high, because on 2G a byte costs far more than a CPU cycle,
/// and messages are small enough that even a cheap phone compresses them in milliseconds.
const ZSTD_LEVEL: i32 = 15;

/// Protocol 5's dictionary. Never rewritten once shipped: phones and servers of the version
/// must hold the same bytes (a test pins its id).
pub const DICTIONARY_V5: &[u8] = include_bytes!("dictionary_v5.bin");

static ENCODER_V5: LazyLock<EncoderDictionary<'static>> =
    LazyLock::new(|| EncoderDictionary::copy(DICTIONARY_V5, ZSTD_LEVEL));

static DECODER_V5: LazyLock<DecoderDictionary<'static>> =
    LazyLock::new(|| DecoderDictionary::copy(DICTIONARY_V5));

/// The id zstd gives protocol 5's dictionary, which every frame compressed with it names.
pub fn dictionary_v5_id() -> u32 {
    zstd::zstd_safe::get_dict_id_from_dict(DICTIONARY_V5).map_or(0, |id| id.get())
}

/// `plain` compressed as `protocol` sends it.
pub(super) fn compress(plain: &[u8], protocol: u16) -> Vec<u8> {
    let compressed = if protocol >= 5 {
        zstd::bulk::Compressor::with_prepared_dictionary(&ENCODER_V5)
            .and_then(|mut compressor| compressor.compress(plain))
    } else {
        zstd::bulk::compress(plain, ZSTD_LEVEL)
    };
    compressed.expect("compressing into a growable buffer cannot fail")
}

/// The bytes a sync message's frame holds, at most `max_bytes` of them (a guard against
/// compression bombs), with the dictionary the frame names.
pub fn inflate(bytes: &[u8], max_bytes: usize) -> Result<Vec<u8>> {
    let bad = |reason: String| Error::Decode {
        what: "sync message",
        reason,
    };
    let inflated = match zstd::zstd_safe::get_dict_id_from_frame(bytes) {
        None => zstd::bulk::decompress(bytes, max_bytes),
        Some(id) if id.get() == dictionary_v5_id() => {
            zstd::bulk::Decompressor::with_prepared_dictionary(&DECODER_V5)
                .and_then(|mut decompressor| decompressor.decompress(bytes, max_bytes))
        }
        Some(id) => {
            return Err(bad(format!(
                "zstd: compressed with dictionary {id}, which this build does not hold"
            )));
        }
    };
    inflated.map_err(|error| bad(format!("zstd: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_5s_dictionary_is_the_one_shipped() {
        assert_eq!(DICTIONARY_V5.len(), 16_384);
        assert_eq!(dictionary_v5_id(), SHIPPED_V5_ID);
    }

    /// The id of the dictionary protocol 5 shipped with.
    const SHIPPED_V5_ID: u32 = 1_794_417_823;

    #[test]
    fn each_frame_is_read_with_the_dictionary_it_names() {
        let plain = b"\x05\x01\x0fBSP-PS-KONI-B01 and the rest of a message".repeat(20);
        let with = compress(&plain, 5);
        let without = compress(&plain, 4);
        assert_ne!(with, without);
        assert_eq!(inflate(&with, 1 << 20).expect("inflates"), plain);
        assert_eq!(inflate(&without, 1 << 20).expect("inflates"), plain);
        let foreign = zstd::bulk::Compressor::with_dictionary(3, &[7u8; 2_048])
            .and_then(|mut compressor| compressor.compress(&plain));
        if let Ok(foreign) = foreign
            && zstd::zstd_safe::get_dict_id_from_frame(&foreign).is_some()
        {
            let refused = inflate(&foreign, 1 << 20).expect_err("not our dictionary");
            assert!(refused.to_string().contains("does not hold"), "{refused}");
        }
        assert!(inflate(&with, 8).is_err(), "the size guard holds");
    }
}
