// Relais (video/install-worker.sh): mediasoup's worker is written for libsrtp 3; Debian has
// libsrtp 2. The worker includes <srtp.h>, which resolves to this file: it includes Debian's
// header and adds the libsrtp 3 calls the worker makes (src/RTC/SrtpSession.cpp and its header):
// protect and unprotect, as C++ overloads (libsrtp 3 reads a packet from one buffer and writes the
// result to another, lengths in size_t; libsrtp 2 works in place, lengths in int), and
// srtp_stream_remove (renamed). Everything else the worker uses (policies, events, init) is the
// same in both.
#pragma once

#include <srtp2/srtp.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

// Status codes that libsrtp 3 added (its values); libsrtp 2 never returns them, but the worker
// names them in its table of error strings.
inline constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
inline constexpr srtp_err_status_t srtp_err_status_cryptex_err = static_cast<srtp_err_status_t>(29);

namespace relais_srtp
{
	// The trailer libsrtp 2 may append: authentication tag and MKI, plus the SRTCP index.
	constexpr size_t RtpTrailer  = SRTP_MAX_TRAILER_LEN;
	constexpr size_t RtcpTrailer = SRTP_MAX_TRAILER_LEN + 4;

	// Copies `in` to `out` (when they differ), runs libsrtp 2's in-place `op` on `out`, and
	// reports the new length in *outLen. `trailer` is how much `op` may add; *outLen is the
	// capacity of `out` on entry, as in libsrtp 3.
	template<typename Op>
	inline srtp_err_status_t InPlace(
	  Op op, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t trailer)
	{
		if (inLen > static_cast<size_t>(INT_MAX) - trailer || *outLen < inLen + trailer)
		{
			return srtp_err_status_bad_param;
		}

		if (out != in)
		{
			std::memmove(out, in, inLen);
		}

		int len                      = static_cast<int>(inLen);
		const srtp_err_status_t err = op(out, &len);

		if (err == srtp_err_status_ok)
		{
			*outLen = static_cast<size_t>(len);
		}

		return err;
	}
} // namespace relais_srtp

// The worker never uses MKIs (it passes index 0), so mkiIndex is not forwarded.
inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t /*mkiIndex*/)
{
	return relais_srtp::InPlace(
	  [ctx](uint8_t* buf, int* len) { return srtp_protect(ctx, buf, len); },
	  rtp,
	  rtpLen,
	  srtp,
	  srtpLen,
	  relais_srtp::RtpTrailer);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	return relais_srtp::InPlace(
	  [ctx](uint8_t* buf, int* len) { return srtp_unprotect(ctx, buf, len); },
	  srtp,
	  srtpLen,
	  rtp,
	  rtpLen,
	  0);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t /*mkiIndex*/)
{
	return relais_srtp::InPlace(
	  [ctx](uint8_t* buf, int* len) { return srtp_protect_rtcp(ctx, buf, len); },
	  rtcp,
	  rtcpLen,
	  srtcp,
	  srtcpLen,
	  relais_srtp::RtcpTrailer);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return relais_srtp::InPlace(
	  [ctx](uint8_t* buf, int* len) { return srtp_unprotect_rtcp(ctx, buf, len); },
	  srtcp,
	  srtcpLen,
	  rtcp,
	  rtcpLen,
	  0);
}

// libsrtp 2's name for it; both take the SSRC in network byte order.
inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}
