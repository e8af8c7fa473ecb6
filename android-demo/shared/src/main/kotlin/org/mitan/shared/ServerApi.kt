// The app's HTTP client for the Mitan server: device registration, the district's consent
// terms, and the sync transport. HTTP lives here, in the app, rather than in Rust: Android
// picks its own network stack, proxy and TLS settings, and the core only sees bytes.
package org.mitan.shared

import java.io.IOException
import java.net.HttpURLConnection
import java.net.URL
import org.mitan.ffi.ApiException
import org.mitan.ffi.ConsentNotice
import org.mitan.ffi.ConsentTerms
import org.mitan.ffi.SyncTransport

/** What the server answers a registration with: everything the phone's identity needs. */
data class Registration(
    val deviceId: String,
    val credential: String,
    val badge: String,
    val role: String,
    val unit: String,
    val beats: List<String>,
    val quota: Int,
)

/** An answer other than 2xx: the status and the server's stable error code and field. */
class ServerRefusal(val status: Int, val code: String?, val field: String?, message: String) :
    IOException("server answered $status: $message")

/** The Mitan server at [baseUrl] (e.g. `http://10.0.2.2:8080`). */
class ServerApi(baseUrl: String, private val timeoutMs: Int = 120_000) {
    private val base = baseUrl.trimEnd('/')

    /**
     * Registers this phone with a one-time [code], the actor it will write with and the
     * public half of the key it signs its changes with ([devicePublicKey]).
     */
    fun register(code: String, actor: ByteArray, publicKey: ByteArray): Registration {
        val body = "{\"code\":${Json.quote(code)},\"actor\":${Json.quote(actor.toHex())}," +
            "\"public_key\":${Json.quote(publicKey.toHex())}}"
        val answer = request("POST", "/v1/devices/register", null, "application/json", body.toByteArray())
        return registration(answer, "registration")
    }

    /**
     * Re-registers the phone holding [credential] under a new [actor] and [publicKey]
     * (`POST /v1/devices/replace`): the recovery of a store restored from a backup or
     * cloned. The old registration stops working; the answer is the new one.
     */
    fun replace(credential: String, actor: ByteArray, publicKey: ByteArray): Registration {
        val body = "{\"actor\":${Json.quote(actor.toHex())},\"public_key\":${Json.quote(publicKey.toHex())}}"
        val answer = request("POST", "/v1/devices/replace", credential, "application/json", body.toByteArray())
        return registration(answer, "replacement")
    }

    private fun registration(answer: ByteArray, what: String): Registration {
        @Suppress("UNCHECKED_CAST")
        val json = Json.parse(answer.toString(Charsets.UTF_8)) as? Map<String, Any?>
            ?: throw IOException("$what: the answer is not a JSON object")
        return Registration(
            deviceId = json.field("device_id"),
            credential = json.field("credential"),
            badge = json.field("badge"),
            role = json.field("role"),
            unit = json.field("unit"),
            beats = json.field<List<Any?>>("beats").map { it as String },
            quota = json.field<Double>("quota").toInt(),
        )
    }

    /** The district's current consent notices and policy (`GET /v1/notices`). */
    fun consentTerms(credential: String): ConsentTerms {
        val answer = request("GET", "/v1/notices", credential, null, null)
        @Suppress("UNCHECKED_CAST")
        val json = Json.parse(answer.toString(Charsets.UTF_8)) as? Map<String, Any?>
            ?: throw IOException("notices: the answer is not a JSON object")
        val notices = json.field<List<Any?>>("notices").map { item ->
            @Suppress("UNCHECKED_CAST")
            val notice = item as Map<String, Any?>
            ConsentNotice(
                language = notice.field("language"),
                version = notice.field<Double>("version").toInt().toUInt(),
                text = notice.field("text"),
                publishedAtMs = notice.field<Double>("published_at_ms").toLong(),
            )
        }
        return ConsentTerms(adultsOnly = json.field("adults_only"), notices = notices)
    }

    /** The sync transport for a device holding [credential]; [progress] hears of each round. */
    fun syncTransport(credential: String, progress: SyncProgress = SyncProgress.NONE): SyncTransport =
        HttpSyncTransport(credential, progress)

    /** Sends one request and returns the body of a 2xx answer; anything else throws. */
    fun request(method: String, path: String, credential: String?, contentType: String?, body: ByteArray?): ByteArray {
        val connection = URL(base + path).openConnection() as HttpURLConnection
        try {
            connection.requestMethod = method
            connection.connectTimeout = timeoutMs
            connection.readTimeout = timeoutMs
            if (credential != null) connection.setRequestProperty("Authorization", "Bearer $credential")
            if (body != null) {
                connection.doOutput = true
                connection.setRequestProperty("Content-Type", contentType ?: "application/octet-stream")
                connection.setFixedLengthStreamingMode(body.size)
                connection.outputStream.use { it.write(body) }
            }
            val status = connection.responseCode
            if (status in 200..299) return connection.inputStream.use { it.readBytes() }
            val text = (connection.errorStream?.use { it.readBytes() } ?: ByteArray(0)).toString(Charsets.UTF_8)
            throw refusal(status, text)
        } finally {
            connection.disconnect()
        }
    }

    private fun refusal(status: Int, text: String): ServerRefusal {
        // The server's errors are `{ "error": { "code", "message", "field"? } }`.
        @Suppress("UNCHECKED_CAST")
        val error = runCatching { (Json.parse(text) as Map<String, Any?>)["error"] as Map<String, Any?> }.getOrNull()
        val code = error?.get("code") as? String
        val field = error?.get("field") as? String
        val message = (error?.get("message") as? String)?.let { "${code ?: "error"}: $it" } ?: text.take(200)
        return ServerRefusal(status, code, field, message)
    }

    /**
     * POSTs each sync request to `/v1/sync`. A failure reaches the core typed, so the app can
     * tell a revoked phone (401), a refusal it acts on (`actor_reused`), a server fault and no
     * signal apart.
     */
    private inner class HttpSyncTransport(
        private val credential: String,
        private val progress: SyncProgress,
    ) : SyncTransport {
        private var round = 0

        override fun exchange(request: ByteArray): ByteArray {
            round += 1
            progress.sending(round, request.size)
            val reply = try {
                request("POST", "/v1/sync", credential, "application/octet-stream", request)
            } catch (refusal: ServerRefusal) {
                throw when {
                    refusal.status == 401 -> ApiException.Unauthorized("${refusal.message}")
                    refusal.code == "actor_reused" -> ApiException.ActorReused("${refusal.message}")
                    refusal.status in 400..499 && refusal.code != null ->
                        ApiException.Refused(refusal.status.toUShort(), refusal.code, "${refusal.message}")
                    else -> ApiException.Server(refusal.status.toUShort(), "${refusal.message}")
                }
            } catch (error: IOException) {
                throw ApiException.Network("${error.message}")
            }
            progress.received(round, reply.size)
            return reply
        }
    }
}

/** Hears how a sync goes, round trip by round trip (a sync usually takes one). */
interface SyncProgress {
    /** Round [round] is sending [bytes] bytes. */
    fun sending(round: Int, bytes: Int)

    /** Round [round] received a reply of [bytes] bytes, which the core now stores. */
    fun received(round: Int, bytes: Int)

    companion object {
        /** Listens to nothing. */
        val NONE = object : SyncProgress {
            override fun sending(round: Int, bytes: Int) {}
            override fun received(round: Int, bytes: Int) {}
        }
    }
}

/** Lowercase hex digits of these bytes. */
fun ByteArray.toHex(): String = joinToString("") { "%02x".format(it) }

/** The bytes of lowercase or uppercase hex digits; throws on anything else. */
fun String.hexToBytes(): ByteArray {
    require(length % 2 == 0) { "hex: odd length" }
    return ByteArray(length / 2) { index -> substring(index * 2, index * 2 + 2).toInt(16).toByte() }
}
