// The repository the view-models call: one registered phone, its encrypted store (through
// the generated `MitanDevice`) and its server. It holds no rules about volunteers; those
// are in the Rust core, which answers with data or an `ApiException`. Every call that
// reaches Rust or the network is a suspend function that runs on the IO dispatcher, so no
// caller can block the main thread with it, whatever a sync holds.
package org.mitan.shared

import java.io.File
import java.security.SecureRandom
import java.util.Properties
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.mitan.ffi.ApiException
import org.mitan.ffi.CameraForm
import org.mitan.ffi.CameraRecord
import org.mitan.ffi.ConsentNotice
import org.mitan.ffi.DeviceIdentity
import org.mitan.ffi.DistrictProgramme
import org.mitan.ffi.EnrolmentForm
import org.mitan.ffi.EnrolmentReceipt
import org.mitan.ffi.MitanDevice
import org.mitan.ffi.QuotaStatus
import org.mitan.ffi.RosterFilter
import org.mitan.ffi.SyncObserver
import org.mitan.ffi.SyncProgress
import org.mitan.ffi.SyncSummary
import org.mitan.ffi.SyncTransport
import org.mitan.ffi.Village
import org.mitan.ffi.VolunteerChange
import org.mitan.ffi.VolunteerDetail
import org.mitan.ffi.VolunteerEdit
import org.mitan.ffi.VolunteerSummary
import org.mitan.ffi.devicePublicKey
import org.mitan.ffi.saveDeviceCredential

/**
 * Where the 32-byte key of the phone's encrypted store comes from. On Android it is drawn
 * once and kept wrapped by a Keystore key; on the JVM check, in a file of the data directory.
 */
fun interface StoreKeyVault {
    /** The store key, created on first call and the same ever after. */
    fun storeKey(): ByteArray
}

/**
 * What a registered phone remembers besides its store: its registration, its actor, and the
 * district CA it pinned at registration (DER), which is the only CA it trusts.
 */
data class Profile(val server: String, val registration: Registration, val actor: ByteArray, val ca: ByteArray? = null) {
    /** The trust the phone's connections use: the pinned CA alone. */
    fun trust() = ca?.let(PinnedTls::trusting)

    /** The identity the store records, as the server registered it. */
    fun identity(): DeviceIdentity = DeviceIdentity(
        deviceId = registration.deviceId,
        actor = actor,
        badge = registration.badge,
        station = registration.unit,
        beats = registration.beats,
        quota = registration.quota.toUInt(),
    )

    /**
     * Writes everything but the credential, which lives in the encrypted store
     * ([saveDeviceCredential]); this file is plain.
     */
    internal fun save(file: File) {
        val properties = Properties()
        properties["server"] = server
        properties["device_id"] = registration.deviceId
        properties["badge"] = registration.badge
        properties["role"] = registration.role
        properties["unit"] = registration.unit
        properties["beats"] = registration.beats.joinToString(",")
        properties["quota"] = registration.quota.toString()
        properties["actor"] = actor.toHex()
        ca?.let { properties["ca"] = it.toHex() }
        file.parentFile?.mkdirs()
        file.outputStream().use { properties.store(it, "Mitan device profile") }
    }

    internal companion object {
        fun load(file: File): Profile {
            val properties = Properties()
            file.inputStream().use { properties.load(it) }
            fun get(name: String): String =
                properties.getProperty(name) ?: throw IllegalStateException("profile ${file.path}: $name missing")
            return Profile(
                server = get("server"),
                registration = Registration(
                    deviceId = get("device_id"),
                    // Read from the store once it is open; only a profile written by an older
                    // app still holds it here, and [MitanRepository.open] moves it.
                    credential = properties.getProperty("credential") ?: "",
                    badge = get("badge"),
                    role = get("role"),
                    unit = get("unit"),
                    beats = get("beats").split(',').filter { it.isNotEmpty() },
                    quota = get("quota").toInt(),
                ),
                actor = get("actor").hexToBytes(),
                ca = properties.getProperty("ca")?.hexToBytes(),
            )
        }
    }
}

/** One registered phone's Mitan; each suspend function runs its work on [io]. */
class MitanRepository private constructor(
    profile: Profile,
    private val directory: File,
    private val device: MitanDevice,
    private val api: ServerApi,
    private val io: CoroutineDispatcher,
) : AutoCloseable {

    /** This phone's registration; a recovery replaces it. */
    var profile: Profile = profile
        private set

    companion object {
        private const val PROFILE = "profile.properties"
        private const val STORE = "mitan.db"

        /** Whether [directory] holds a registered phone. */
        fun isRegistered(directory: File): Boolean = File(directory, PROFILE).exists()

        /**
         * Registers this phone with a one-time [code] from the station, creates its store in
         * [directory] and fetches the district's notices, so it can enrol from its first
         * moment offline.
         */
        suspend fun register(
            server: String,
            code: String,
            caFingerprint: String?,
            directory: File,
            vault: StoreKeyVault,
            currentYear: Int,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): MitanRepository = withContext(io) {
            val actor = ByteArray(16).also { SecureRandom().nextBytes(it) }
            // Over https, the CA is taken from the first handshake only if it is the one whose
            // fingerprint the slip shows (or the QR code carries).
            val pinning = if (server.startsWith("https://")) {
                PinnedTls.Pinning(requireNotNull(caFingerprint) { "an https:// server needs the CA fingerprint on the slip" })
            } else {
                null
            }
            val api = ServerApi(server, pinning)
            // The store is created first: the signing key is drawn inside it, and the
            // registration carries its public half.
            directory.mkdirs()
            val publicKey = devicePublicKey(File(directory, STORE).path, vault.storeKey())
            val registration = try {
                api.register(code, actor, publicKey)
            } catch (refusal: ServerRefusal) {
                throw refusal.asApiException()
            } catch (untrusted: javax.net.ssl.SSLException) {
                // Not a network failure: the server is not the one the slip names.
                throw untrusted
            } catch (error: java.io.IOException) {
                throw ApiException.Network("registration: ${error.message}")
            }
            // The credential goes into the encrypted store first: the plain profile never
            // holds it.
            saveDeviceCredential(File(directory, STORE).path, vault.storeKey(), registration.deviceId, registration.credential)
            val profile = Profile(server, registration, actor, pinning?.pinnedCa)
            profile.save(File(directory, PROFILE))
            val repository = openBlocking(directory, vault, currentYear, io)
            repository.device.allowSealingTogether(registration.sealTogether)
            repository.refreshDistrict()
            repository
        }

        /** Opens the phone registered in [directory]. */
        suspend fun open(
            directory: File,
            vault: StoreKeyVault,
            currentYear: Int,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): MitanRepository = withContext(io) { openBlocking(directory, vault, currentYear, io) }

        private fun openBlocking(directory: File, vault: StoreKeyVault, currentYear: Int, io: CoroutineDispatcher): MitanRepository {
            val file = File(directory, PROFILE)
            val loaded = Profile.load(file)
            val device = MitanDevice(
                path = File(directory, STORE).path,
                storeKey = vault.storeKey(),
                identity = loaded.identity(),
                currentYear = currentYear.toUShort(),
            )
            val stored = device.credential()
            val credential = when {
                stored != null -> stored
                loaded.registration.credential.isNotEmpty() -> {
                    // A profile from an older app: the credential moves into the store.
                    device.saveCredential(loaded.registration.deviceId, loaded.registration.credential)
                    loaded.save(file)
                    loaded.registration.credential
                }
                else -> {
                    device.close()
                    throw ApiException.Unauthorized("this phone holds no credential: register it again with a code")
                }
            }
            val profile = loaded.copy(registration = loaded.registration.copy(credential = credential))
            return MitanRepository(profile, directory, device, ServerApi(profile.server, profile.trust()), io)
        }
    }

    /** The beats this phone enrols into; the first is the form's default. */
    val beats: List<String> get() = profile.registration.beats

    /** The constable's station. */
    val station: String get() = profile.registration.unit

    /** Stores the volunteer durably; throws [ApiException.Invalid] with every refused field. */
    suspend fun enrol(form: EnrolmentForm): EnrolmentReceipt = onIo { device.enrol(form) }

    /** One volunteer as the roster shows them now. */
    suspend fun volunteer(volunteerId: String): VolunteerDetail = onIo { device.volunteer(volunteerId) }

    /** Corrects a rejected (or any) entry; durable on return, resubmitted at the next sync. */
    suspend fun edit(volunteerId: String, edit: VolunteerEdit) = onIo { device.edit(volunteerId, edit) }

    /** Records that the person withdrew consent, in person; their details leave the phone. */
    suspend fun withdraw(volunteerId: String) = onIo { device.withdraw(volunteerId) }

    /** Who enrolled, edited and reviewed [volunteerId], and when, in causal order. */
    suspend fun history(volunteerId: String): List<VolunteerChange> = onIo { device.history(volunteerId) }

    /** The roster list: everyone when [query] is blank, else a search by name or phone. */
    suspend fun roster(query: String, limit: Int = 200): List<VolunteerSummary> = onIo {
        if (query.isBlank()) {
            device.list(RosterFilter(null, null, null, null, null, limit.toUInt(), 0u))
        } else {
            device.search(query, limit.toUInt())
        }
    }

    /** This constable's enrolments against the quota. */
    suspend fun quota(): QuotaStatus = onIo { device.myQuota() }

    /** Changes waiting to be synced. */
    suspend fun pendingSyncCount(): Long = onIo { device.pendingSyncCount().toLong() }

    /** When the last sync finished, by the phone's clock. */
    suspend fun lastSyncMs(): Long? = onIo { device.lastSyncMs() }

    /** The newest notice held in [language], to show before a person consents. */
    suspend fun notice(language: String): ConsentNotice? = onIo { device.notice(language) }

    /** The district's programmes the enrolment form offers (the built-in ones until received). */
    suspend fun programmes(): List<DistrictProgramme> = onIo { device.programmes() }

    /** The villages of [beat] the phone holds, by English name: the form's choices. */
    suspend fun villages(beat: String): List<Village> = onIo { device.villages(beat) }

    /**
     * Registers a private CCTV camera in [beat]; returns its id, durable on return. Throws
     * [ApiException.Invalid] with every refused field, and stores nothing then.
     */
    suspend fun addCamera(beat: String, camera: CameraForm): String = onIo { device.addCamera(beat, camera) }

    /** The cameras of [beat] on this phone, removed ones included; owners where the phone holds the key. */
    suspend fun cameras(beat: String): List<CameraRecord> = onIo { device.cameras(beat) }

    /**
     * Takes [camera] off the register for [reason] (one of [cameraRemovalReasons]) and erases
     * this phone's key to its owner at once; the server and the other phones follow at the
     * next sync. A camera already removed is refused ([ApiException.Invalid] on `camera_id`).
     */
    suspend fun removeCamera(camera: String, reason: String) = onIo { device.removeCamera(camera, reason) }

    /** The eight directions a camera may look (`n`, `ne`, … clockwise), in the form's order. */
    suspend fun cameraDirections(): List<String> = onIo { org.mitan.ffi.cameraDirections() }

    /** Why a camera may leave the register (`owner_asked`, `dismantled`, `entered_in_error`). */
    suspend fun cameraRemovalReasons(): List<String> = onIo { org.mitan.ffi.cameraRemovalReasons() }

    /**
     * Syncs with the server, then fetches the district's notices, policy and the beats'
     * villages: the station visit that brings the rosters brings the terms too. [progress]
     * hears after each round whose reply is stored, on the IO thread.
     */
    suspend fun sync(progress: (SyncProgress) -> Unit = {}): SyncSummary = onIo {
        val observer = object : SyncObserver {
            override fun roundStored(progress: SyncProgress) = progress(progress)
        }
        val summary = try {
            device.sync(api.syncTransport(profile.registration.credential), observer)
        } catch (reused: ApiException.ActorReused) {
            // The store was restored from a backup or copied to another phone: its actor can
            // never be merged again. The phone's credential re-registers it, once; what it
            // wrote since the backup is written again under the new identity by this sync.
            recoverBlocking(null)
            device.sync(api.syncTransport(profile.registration.credential), observer)
        }
        refreshDistrict()
        summary
    }

    /**
     * Re-registers this phone under a new identity: a store restored from a backup or cloned
     * (a sync refused with `actor_reused`), or a phone revoked while it held work. With a
     * one-time [code] from the in-charge it registers as a new phone; without, this phone's
     * credential asks, and stops working for every other copy of the store. Returns how many
     * changes the next sync writes again, with the same volunteer ids. Throws
     * [ApiException.Unauthorized] when the credential was spent: ask for a code.
     */
    suspend fun recover(code: String?): Long = onIo { recoverBlocking(code) }

    private fun recoverBlocking(code: String?): Long {
        val replacement = device.prepareReplacement()
        val registration = try {
            if (code != null) {
                api.register(code, replacement.actor, replacement.publicKey)
            } else {
                api.replace(profile.registration.credential, replacement.actor, replacement.publicKey)
            }
        } catch (refusal: ServerRefusal) {
            throw refusal.asApiException()
        } catch (error: java.io.IOException) {
            throw ApiException.Network("${error.message}")
        }
        val renewed = Profile(profile.server, registration, replacement.actor, profile.ca)
        // The new credential first (beside the old one, under the new device's id), then the
        // profile, then the switch: a phone stopped anywhere opens with a credential that
        // matches its identity, and a store opened with the new profile finishes the switch.
        device.saveCredential(registration.deviceId, registration.credential)
        renewed.save(File(directory, PROFILE))
        val setAside = device.adoptReplacement(renewed.identity())
        profile = renewed
        return setAside.toLong()
    }

    /** A sync through [transport] instead of the server's own: for checks that cut it. */
    internal fun syncThrough(transport: SyncTransport): SyncSummary = device.sync(transport, null)

    /** This phone's transport to its server, as [sync] uses it. */
    internal fun serverTransport(): SyncTransport = api.syncTransport(profile.registration.credential)

    /**
     * Fetches and stores the district's notices, policy and programmes, and the villages of
     * each of the phone's beats. Blocking: called on [io] by [sync] and at registration.
     */
    private fun refreshDistrict() {
        val credential = profile.registration.credential
        try {
            val terms = api.districtTerms(credential)
            device.saveConsentTerms(terms.consent)
            device.saveProgrammes(terms.programmes)
            for (beat in profile.registration.beats) device.saveVillages(beat, api.villages(credential, beat))
        } catch (refusal: ServerRefusal) {
            throw refusal.asApiException()
        } catch (error: java.io.IOException) {
            throw ApiException.Network("district terms: ${error.message}")
        }
    }

    private suspend fun <T> onIo(block: () -> T): T = withContext(io) { block() }

    override fun close() = device.close()
}

/** The typed error the app acts on, for a refusal from the server outside a sync. */
internal fun ServerRefusal.asApiException(): ApiException = when {
    status == 401 -> ApiException.Unauthorized("$message")
    code == "actor_reused" -> ApiException.ActorReused("$message")
    status in 400..499 && code != null -> ApiException.Refused(status.toUShort(), code, "$message")
    else -> ApiException.Server(status.toUShort(), "$message")
}

/** A [StoreKeyVault] keeping the key in a file: for the JVM check and desktop tools only. */
class FileStoreKeyVault(private val file: File) : StoreKeyVault {
    override fun storeKey(): ByteArray {
        if (file.exists()) return file.readText().trim().hexToBytes()
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        file.parentFile?.mkdirs()
        file.writeText(key.toHex())
        file.setReadable(false, false)
        file.setReadable(true, true)
        return key
    }
}
