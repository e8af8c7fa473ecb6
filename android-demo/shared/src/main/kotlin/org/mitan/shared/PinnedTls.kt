// The district's CA, pinned. A phone learns it once, at registration: it takes the CA from
// the server's handshake only if its SHA-256 fingerprint is the one printed on the
// registration slip, and from then on trusts that CA alone, never the phone's system CAs. A
// certificate from any other CA (a captive portal, an interception box) is refused.
package org.mitan.shared

import java.security.KeyStore
import java.security.MessageDigest
import java.security.cert.CertificateException
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import javax.net.ssl.SSLContext
import javax.net.ssl.SSLSocketFactory
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager

object PinnedTls {
    /** `sha256:` and the hex SHA-256 of a certificate's DER, as the slip prints it. */
    fun fingerprint(der: ByteArray): String =
        "sha256:" + MessageDigest.getInstance("SHA-256").digest(der).toHex()

    /** A trust manager that trusts the CA [caDer] (DER) and nothing else. */
    fun trusting(caDer: ByteArray): X509TrustManager {
        val ca = CertificateFactory.getInstance("X.509").generateCertificate(caDer.inputStream())
        val store = KeyStore.getInstance(KeyStore.getDefaultType()).apply {
            load(null, null)
            setCertificateEntry("district-ca", ca)
        }
        val factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm())
        factory.init(store)
        return factory.trustManagers.filterIsInstance<X509TrustManager>().single()
    }

    /** The socket factory of a TLS context whose only trust is [trust]. */
    fun socketFactory(trust: X509TrustManager): SSLSocketFactory =
        SSLContext.getInstance("TLS").apply { init(null, arrayOf(trust), null) }.socketFactory

    /**
     * Trusts a server whose chain ends in a CA with fingerprint [pin], and remembers that CA
     * ([pinnedCa]) for the phone to keep. Any other chain is refused before a byte is sent.
     */
    class Pinning(private val pin: String) : X509TrustManager {
        /** The CA's DER, once a handshake presented the pinned one. */
        @Volatile var pinnedCa: ByteArray? = null
            private set

        override fun checkServerTrusted(chain: Array<X509Certificate>, authType: String) {
            val ca = chain.lastOrNull() ?: throw CertificateException("the server sent no certificate")
            if (!fingerprint(ca.encoded).equals(pin.trim(), ignoreCase = true)) {
                throw CertificateException("the server's CA is not the one on the registration slip")
            }
            // The chain must also hold together under that CA, as any later connection will.
            trusting(ca.encoded).checkServerTrusted(chain, authType)
            pinnedCa = ca.encoded
        }

        override fun checkClientTrusted(chain: Array<X509Certificate>, authType: String) =
            throw CertificateException("a phone does not accept client connections")

        override fun getAcceptedIssuers(): Array<X509Certificate> = emptyArray()
    }
}
