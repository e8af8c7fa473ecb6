// What a phone needs to register: the server's address, the one-time code, and the
// fingerprint of the district CA to pin. The station console prints them on a slip and as a
// QR code (`mitan:register?server=…&code=…&ca=sha256:…`); the constable scans it or types
// the three.
package org.mitan.shared

import java.net.URLDecoder

data class RegistrationSlip(val server: String, val code: String, val caFingerprint: String?) {
    companion object {
        private const val PREFIX = "mitan:register?"

        /** The slip a scanned QR code carries, or `null` if the text is not one. */
        fun parse(scanned: String): RegistrationSlip? {
            val text = scanned.trim()
            if (!text.startsWith(PREFIX)) return null
            val fields = text.removePrefix(PREFIX).split('&').mapNotNull { pair ->
                val at = pair.indexOf('=')
                if (at <= 0) null else pair.substring(0, at) to URLDecoder.decode(pair.substring(at + 1), "UTF-8")
            }.toMap()
            val server = fields["server"]?.takeIf { it.isNotBlank() } ?: return null
            val code = fields["code"]?.takeIf { it.isNotBlank() } ?: return null
            return RegistrationSlip(server, code, fields["ca"]?.takeIf { it.isNotBlank() })
        }
    }
}
