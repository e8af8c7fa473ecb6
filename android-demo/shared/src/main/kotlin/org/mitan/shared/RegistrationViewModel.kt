// The registration screen's state: the slip's three fields, typed or read from the console's
// QR code, and the outcome. A failure says which of the constable's next steps applies: fix
// the address, ask for a new code, check the slip's fingerprint, or find a signal.
package org.mitan.shared

import java.io.File
import java.util.Calendar
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import org.mitan.ffi.ApiException

/** Why a registration did not happen, each with its own words on screen. */
enum class RegistrationError {
    /** The address is not `https://…` (plain http only to this same machine). */
    BAD_ADDRESS,

    /** An https server needs the CA fingerprint printed on the slip. */
    NO_FINGERPRINT,

    /** The scanned code is not a Mitan registration slip. */
    NOT_A_SLIP,

    /** The server refused the code: spent, expired, or mistyped. */
    CODE_REFUSED,

    /** The server's certificate is not from the CA the slip names: not the district's server. */
    WRONG_CERTIFICATE,

    /** Nothing arrived: no signal, or the server is down. */
    NO_NETWORK,

    /** The server failed; try again later. */
    SERVER,
}

/** Where the registration screen stands. */
sealed interface RegistrationState {
    data object Typing : RegistrationState

    data object Registering : RegistrationState

    data class Registered(val repository: MitanRepository) : RegistrationState

    data class Failed(val error: RegistrationError, val detail: String) : RegistrationState
}

class RegistrationViewModel(
    private val scope: CoroutineScope,
    private val directory: File,
    private val vault: StoreKeyVault,
    private val saved: SavedValues = MapSavedValues(),
) {
    val server = State(saved[SERVER] ?: "https://")
    // The one-time code is not kept in saved state: it is a secret, and quick to type again.
    val code = State("")
    val caFingerprint = State(saved[CA] ?: "")
    val state = State<RegistrationState>(RegistrationState.Typing)

    fun typeServer(text: String) = put(server, SERVER, text)
    fun typeCode(text: String) {
        code.set(text)
        if (state.value is RegistrationState.Failed) state.set(RegistrationState.Typing)
    }
    fun typeCaFingerprint(text: String) = put(caFingerprint, CA, text)

    /** Fills the three fields from a scanned QR code; false (and an error) if it is not a slip. */
    fun scanned(text: String): Boolean {
        val slip = RegistrationSlip.parse(text)
        if (slip == null) {
            state.set(RegistrationState.Failed(RegistrationError.NOT_A_SLIP, text.take(80)))
            return false
        }
        typeServer(slip.server)
        typeCode(slip.code)
        typeCaFingerprint(slip.caFingerprint ?: "")
        return true
    }

    /** Registers with the fields as they stand. */
    fun register(): Job {
        state.set(RegistrationState.Registering)
        return scope.launch {
            val year = Calendar.getInstance().get(Calendar.YEAR)
            val outcome = try {
                val repository = MitanRepository.register(
                    server.value.trim(), code.value.trim(), caFingerprint.value.trim().ifEmpty { null },
                    directory, vault, year,
                )
                for (key in listOf(SERVER, CA)) saved[key] = null
                RegistrationState.Registered(repository)
            } catch (error: Exception) {
                RegistrationState.Failed(classify(error), error.message ?: error.toString())
            }
            state.set(outcome)
        }
    }

    private fun classify(error: Exception): RegistrationError = when (error) {
        is IllegalArgumentException ->
            if (server.value.trim().startsWith("https://") && caFingerprint.value.isBlank()) {
                RegistrationError.NO_FINGERPRINT
            } else {
                RegistrationError.BAD_ADDRESS
            }
        is javax.net.ssl.SSLException -> RegistrationError.WRONG_CERTIFICATE
        is ApiException.Unauthorized, is ApiException.Refused -> RegistrationError.CODE_REFUSED
        is ApiException.Network -> RegistrationError.NO_NETWORK
        is ApiException -> RegistrationError.SERVER
        else -> throw error
    }

    private fun put(field: State<String>, key: String, text: String) {
        field.set(text)
        saved[key] = text
        if (state.value is RegistrationState.Failed) state.set(RegistrationState.Typing)
    }

    private companion object {
        const val SERVER = "registration.server"
        const val CA = "registration.ca"
    }
}
