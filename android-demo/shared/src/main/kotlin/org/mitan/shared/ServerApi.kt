// The app's HTTP client for the Mitan server: device registration, the district's consent
// terms, and the sync transport, on OkHttp over HTTPS pinned to the district's CA
// (PinnedTls). HTTP lives here, in the app, rather than in Rust: Android picks its own
// network stack and proxy, and the core only sees bytes (docs/adr/0006).
//
// Written against OkHttp 3's API, which Debian's libokhttp-java (3.13) gives the JVM check;
// the app builds with 3.14, the last of that line (OkHttp 4 turned `code()` and `body()`
// into properties, which the JVM check's compiler could not then see).
package org.mitan.shared

import java.io.IOException
import java.util.concurrent.TimeUnit
import javax.net.ssl.X509TrustManager
import okhttp3.MediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody
import org.mitan.ffi.ApiException
import org.mitan.ffi.ConsentNotice
import org.mitan.ffi.ConsentTerms
import org.mitan.ffi.DistrictProgramme
import org.mitan.ffi.SyncTransport
import org.mitan.ffi.Village

/** What the server answers a registration with: everything the phone's identity needs. */
data class Registration(
    val deviceId: String,
    val credential: String,
    val badge: String,
    val role: String,
    val unit: String,
    val beats: List<String>,
    val quota: Int,
    /** The phone may seal a new entry's personal fields together from its first enrolment. */
    val sealTogether: Boolean = false,
)

/** What a phone holds of the district's settings: the consent terms and the programmes. */
data class DistrictTerms(val consent: ConsentTerms, val programmes: List<DistrictProgramme>)

/** An answer other than 2xx: the status and the server's stable error code and field. */
class ServerRefusal(val status: Int, val code: String?, val field: String?, message: String) :
    IOException("server answered $status: $message")

/**
 * The Mitan server at [baseUrl] (`https://…`). [trust] is the district CA pinned at
 * registration (see [PinnedTls]); before registration the pinning trust manager stands in.
 * Plain `http://` is accepted only for a server on this machine (a developer's loopback).
 */
class ServerApi(baseUrl: String, private val trust: X509TrustManager? = null, private val timeoutMs: Int = 120_000) {
    private val base = baseUrl.trimEnd('/')

    init {
        val loopback = Regex("^http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:\\d+)?$")
        require(base.startsWith("https://") || loopback.matches(base)) {
            "the server must be https:// (plain http only on this machine): $base"
        }
        require(!base.startsWith("https://") || trust != null) {
            "an https:// server is trusted through the CA pinned at registration"
        }
    }

    private val client: OkHttpClient = OkHttpClient.Builder()
        .connectTimeout(timeoutMs.toLong(), TimeUnit.MILLISECONDS)
        .readTimeout(timeoutMs.toLong(), TimeUnit.MILLISECONDS)
        .writeTimeout(timeoutMs.toLong(), TimeUnit.MILLISECONDS)
        .apply { if (trust != null) sslSocketFactory(PinnedTls.socketFactory(trust), trust) }
        .build()

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
            // Absent from an older server's answer, which means no.
            sealTogether = json["seal_together"] as? Boolean ?: false,
        )
    }

    /**
     * The district's current consent notices and policy, and its programmes
     * (`GET /v1/notices`); a server that sends no programmes leaves the list empty.
     */
    fun districtTerms(credential: String): DistrictTerms {
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
        @Suppress("UNCHECKED_CAST")
        val listed = json["programmes"] as? List<Map<String, Any?>> ?: emptyList()
        return DistrictTerms(
            consent = ConsentTerms(adultsOnly = json.field("adults_only"), notices = notices),
            programmes = listed.map { DistrictProgramme(code = it.field("code"), nameHi = it.field("name_hi"), nameEn = it.field("name_en")) },
        )
    }

    /**
     * The villages of [beat] from the district's directory (`GET /v1/directory/units`), for
     * the enrolment form to offer by name.
     */
    fun villages(credential: String, beat: String): List<Village> {
        val answer = request("GET", "/v1/directory/units?under=" + java.net.URLEncoder.encode(beat, "UTF-8"), credential, null, null)
        @Suppress("UNCHECKED_CAST")
        val json = Json.parse(answer.toString(Charsets.UTF_8)) as? Map<String, Any?>
            ?: throw IOException("units: the answer is not a JSON object")
        return json.field<List<Any?>>("units").mapNotNull { item ->
            @Suppress("UNCHECKED_CAST")
            val unit = item as Map<String, Any?>
            val code = unit["lgd_code"] as? String
            if (unit["kind"] != "village" || code == null) return@mapNotNull null
            Village(lgdCode = code, nameHi = unit.field("name_hi"), nameEn = unit.field("name_en"))
        }
    }

    /** The sync transport for a device holding [credential]. */
    fun syncTransport(credential: String): SyncTransport = HttpSyncTransport(credential)

    /** Sends one request and returns the body of a 2xx answer; anything else throws. */
    fun request(method: String, path: String, credential: String?, contentType: String?, body: ByteArray?): ByteArray {
        val builder = Request.Builder().url(base + path)
        if (credential != null) builder.header("Authorization", "Bearer $credential")
        val payload = when {
            body != null -> RequestBody.create(MediaType.parse(contentType ?: "application/octet-stream"), body)
            method == "POST" || method == "PUT" -> RequestBody.create(null, ByteArray(0))
            else -> null
        }
        builder.method(method, payload)
        client.newCall(builder.build()).execute().use { response ->
            val bytes = response.body()?.bytes() ?: ByteArray(0)
            if (response.isSuccessful) return bytes
            throw refusal(response.code(), bytes.toString(Charsets.UTF_8))
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
    private inner class HttpSyncTransport(private val credential: String) : SyncTransport {
        override fun exchange(request: ByteArray): ByteArray {
            return try {
                request("POST", "/v1/sync", credential, "application/octet-stream", request)
            } catch (refusal: ServerRefusal) {
                throw refusal.asApiException()
            } catch (error: IOException) {
                throw ApiException.Network("${error.message}")
            }
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
