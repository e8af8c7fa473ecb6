// The private CCTV register of the phone's beats (Durg's Trinayan register): the camera form
// as typed (kept across rotation and process death), the village picked by name from the
// beat's villages and the direction from the eight compass points, the refused fields shown
// beside each, the beat's cameras with their owner (or why none is shown), and a removal that
// asks for a reason and a confirmation. Validation is the core's: this keeps what it answered
// next to each field.
package org.mitan.shared

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import org.mitan.ffi.ApiException
import org.mitan.ffi.CameraForm
import org.mitan.ffi.CameraRecord
import org.mitan.ffi.InvalidCode
import org.mitan.ffi.Village

/**
 * The camera form as typed. The coordinates stay text until the form is sent, so a half-typed
 * `22.` survives a rotation; the core's [CameraForm] takes them as numbers.
 */
data class CameraDraft(
    val beat: String,
    val ownerName: String = "",
    val ownerPhone: String = "",
    val latitude: String = "",
    val longitude: String = "",
    val villageLgd: String = "",
    val coverage: String = "",
    val direction: String = "",
    val recordingDays: String = "",
) {
    /** The form the core validates; a coordinate that is no number crosses as NaN (see [coordinate]). */
    fun toForm(): CameraForm = CameraForm(
        ownerName = ownerName,
        ownerPhone = ownerPhone,
        latitude = coordinate(latitude),
        longitude = coordinate(longitude),
        villageLgd = villageLgd,
        coverage = coverage,
        direction = direction,
        recordingDays = recordingDays,
    )
}

/** Where the camera form stands. */
sealed interface CameraStatus {
    /** The constable is filling in the form. */
    data object Editing : CameraStatus

    /** The form went to the core; waiting for the durable write. */
    data object Saving : CameraStatus

    /** Stored on the phone under [cameraId]: safe even if the phone dies now. */
    data class Saved(val cameraId: String) : CameraStatus

    /** Not stored, for a reason other than the form (the store failed). */
    data class Failed(val error: ApiException) : CameraStatus
}

/** What a camera's row says about its owner. */
sealed interface CameraOwnerShown {
    /** The owner, from the camera's key this phone holds. */
    data class Owner(val name: String, val phone: String) : CameraOwnerShown

    /** The owner is in the roster but this phone lacks the key: the next sync asks for it. */
    data object Sealed : CameraOwnerShown

    /** Taken off the register for [reason], at [atMs] by the removing phone's clock; the owner is erased. */
    data class Removed(val reason: String, val atMs: Long?) : CameraOwnerShown

    /** No owner on this phone and none to ask for. */
    data object None : CameraOwnerShown
}

/** What the row of this camera shows about its owner: a removal first, then the owner or why not. */
fun CameraRecord.ownerShown(): CameraOwnerShown = when {
    removed != null -> CameraOwnerShown.Removed(removed!!, removedAtMs)
    ownerName != null || ownerPhone != null -> CameraOwnerShown.Owner(ownerName ?: "", ownerPhone ?: "")
    sealed -> CameraOwnerShown.Sealed
    else -> CameraOwnerShown.None
}

/** The removal being confirmed: which camera, and the reason picked so far. */
data class CameraRemovalDraft(val cameraId: String, val reason: String?)

class CameraViewModel(
    private val repository: MitanRepository,
    private val scope: CoroutineScope,
    private val saved: SavedValues = MapSavedValues(),
) {
    /** The form as typed. */
    val form = State(CameraFormDraft.restore(saved) ?: CameraDraft(repository.beats.firstOrNull() ?: ""))

    /** Refused fields and their codes (`owner_name`, `phone`, `latitude`, …), shown beside each until it is edited. */
    val errors = State<Map<String, InvalidCode>>(emptyMap())

    /** Where the form stands. */
    val status = State<CameraStatus>(CameraStatus.Editing)

    /** The villages of the form's beat, to pick by name. */
    val villages = State<List<Village>>(emptyList())

    /** The eight directions (`n`, `ne`, … clockwise from north), to pick one. */
    val directions = State<List<String>>(emptyList())

    /** Why a camera may leave the register, to pick one when removing it. */
    val removalReasons = State<List<String>>(emptyList())

    /** The cameras of the form's beat, removed ones included. */
    val cameras = State<List<CameraRecord>>(emptyList())

    /** The removal on screen waiting for its reason and confirmation; `null` when none is. */
    val removing = State(saved[REMOVING]?.let { CameraRemovalDraft(it, saved[REMOVAL_REASON]) })

    /** The camera last taken off the register here, to say so. */
    val removed = State<String?>(null)

    /** A read of the list or a removal that failed (a camera already removed is refused). */
    val failure = State<ApiException?>(null)

    /** The latest read of the beat's villages and cameras; the states hold them once it is done. */
    var loading: Job = load()
        private set

    /** The beats the form offers. */
    val beats: List<String> get() = repository.beats

    /** Re-reads the choices, the beat's villages and its cameras from the store (after a sync, say). */
    fun load(): Job = scope.launch {
        try {
            if (directions.value.isEmpty()) directions.set(repository.cameraDirections())
            if (removalReasons.value.isEmpty()) removalReasons.set(repository.cameraRemovalReasons())
            val beat = form.value.beat
            villages.set(if (beat.isEmpty()) emptyList() else repository.villages(beat))
            cameras.set(if (beat.isEmpty()) emptyList() else repository.cameras(beat))
        } catch (error: ApiException) {
            failure.set(error)
        }
    }

    /** Changes [field] of the form (the core's name for it); its error goes away until the next submit. */
    fun edit(field: String, change: (CameraDraft) -> CameraDraft) {
        put(change(form.value))
        if (field in errors.value) errors.set(errors.value - field)
        if (status.value !is CameraStatus.Saving) status.set(CameraStatus.Editing)
    }

    /** Registers into [beat]: its villages and cameras replace the shown ones, and the village is cleared. */
    fun chooseBeat(beat: String) {
        if (beat == form.value.beat) return
        edit("beat") { it.copy(beat = beat, villageLgd = "") }
        loading = load()
    }

    /** The village picked from the beat's list. */
    fun chooseVillage(village: Village) = edit("village") { it.copy(villageLgd = village.lgdCode) }

    /** The village the form holds, if it is one of the beat's. */
    fun chosenVillage(): Village? = village(form.value.villageLgd)

    /** A village of the beat by its LGD code, to name a camera's village in the list. */
    fun village(lgdCode: String): Village? = villages.value.firstOrNull { it.lgdCode == lgdCode }

    /** The direction picked from the eight points. */
    fun chooseDirection(direction: String) = edit("direction") { it.copy(direction = direction) }

    // The latitude and longitude are typed (read off a map app, or the owner's recorder). The
    // app may fill them from the phone's location later: that would be one more `edit` of
    // both fields, behind a location permission this layer cannot test, so it is not here.

    /** Sends the form to the core; on success the form is cleared for the next camera. */
    fun submit(): Job {
        val typed = form.value
        status.set(CameraStatus.Saving)
        return scope.launch {
            try {
                val cameraId = repository.addCamera(typed.beat, typed.toForm())
                errors.set(emptyMap())
                // The next camera of a drive is usually in the same village: it stays picked.
                put(CameraDraft(typed.beat, villageLgd = typed.villageLgd))
                status.set(CameraStatus.Saved(cameraId))
            } catch (invalid: ApiException.Invalid) {
                errors.set(refusals(invalid, typed))
                status.set(CameraStatus.Editing)
                return@launch
            } catch (error: ApiException) {
                status.set(CameraStatus.Failed(error))
                return@launch
            }
            refreshCameras(typed.beat)
        }
    }

    /**
     * Opens the removal of [cameraId], which waits for a reason and a confirmation; a camera
     * already removed (or not in the list) cannot be asked for. Returns whether it opened.
     */
    fun askToRemove(cameraId: String): Boolean {
        val camera = cameras.value.firstOrNull { it.id == cameraId } ?: return false
        if (camera.removed != null) return false
        setRemoving(CameraRemovalDraft(cameraId, null))
        return true
    }

    /** The reason picked in the removal's confirmation (one of [removalReasons]). */
    fun chooseRemovalReason(reason: String) {
        val asked = removing.value ?: return
        setRemoving(asked.copy(reason = reason))
    }

    /** Closes the confirmation without removing anything. */
    fun cancelRemoval() = setRemoving(null)

    /**
     * Removes the camera once confirmed with a reason: its owner's name and mobile leave this
     * phone now (the key is erased), and the server and every other phone at the next sync.
     * Without an open confirmation, or before a reason is picked, it does nothing.
     */
    fun confirmRemoval(): Job = scope.launch {
        val asked = removing.value ?: return@launch
        val reason = asked.reason ?: return@launch
        setRemoving(null)
        try {
            repository.removeCamera(asked.cameraId, reason)
            failure.set(null)
            removed.set(asked.cameraId)
        } catch (error: ApiException) {
            failure.set(error)
        }
        refreshCameras(form.value.beat)
    }

    private suspend fun refreshCameras(beat: String) {
        try {
            cameras.set(repository.cameras(beat))
        } catch (error: ApiException) {
            failure.set(error)
        }
    }

    private fun setRemoving(next: CameraRemovalDraft?) {
        removing.set(next)
        saved[REMOVING] = next?.cameraId
        saved[REMOVAL_REASON] = next?.reason
    }

    private fun put(next: CameraDraft) {
        form.set(next)
        CameraFormDraft.save(next, saved)
    }

    private companion object {
        const val REMOVING = "camera.removing"
        const val REMOVAL_REASON = "camera.removal_reason"
    }
}

/**
 * The core's refusals by field. A coordinate typed as no number crossed as NaN, which the
 * core refuses as out of range; beside that field the constable reads instead that it is
 * missing, or not a number.
 */
private fun refusals(invalid: ApiException.Invalid, typed: CameraDraft): Map<String, InvalidCode> {
    val problems = invalid.problems.associate { it.field to it.code }.toMutableMap()
    for ((field, text) in listOf("latitude" to typed.latitude, "longitude" to typed.longitude)) {
        if (field in problems && coordinate(text).isNaN()) {
            problems[field] = if (text.isBlank()) InvalidCode.REQUIRED else InvalidCode.BAD_FORMAT
        }
    }
    return problems
}

/**
 * A typed coordinate in decimal degrees (`22.0797`, Devanagari digits too), or NaN for text
 * that is none: the core refuses NaN as out of range, so such a form stores nothing. Only
 * plain decimals count: Kotlin's own parser would also take `1e2`, `NaN` or `22.5d`.
 */
internal fun coordinate(text: String): Double {
    val ascii = text.trim().map { if (it in '०'..'९') '0' + (it - '०') else it }.joinToString("")
    return if (DECIMAL.matches(ascii)) ascii.toDouble() else Double.NaN
}

private val DECIMAL = Regex("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)")

/** The half-typed camera form as [SavedValues], so rotating the phone or a killed process loses nothing. */
internal object CameraFormDraft {
    private const val PREFIX = "camera.form."

    fun save(draft: CameraDraft, saved: SavedValues) {
        saved[PREFIX + "beat"] = draft.beat
        saved[PREFIX + "owner_name"] = draft.ownerName
        saved[PREFIX + "owner_phone"] = draft.ownerPhone
        saved[PREFIX + "latitude"] = draft.latitude
        saved[PREFIX + "longitude"] = draft.longitude
        saved[PREFIX + "village_lgd"] = draft.villageLgd
        saved[PREFIX + "coverage"] = draft.coverage
        saved[PREFIX + "direction"] = draft.direction
        saved[PREFIX + "recording_days"] = draft.recordingDays
    }

    fun restore(saved: SavedValues): CameraDraft? {
        fun get(key: String) = saved[PREFIX + key] ?: ""
        val beat = saved[PREFIX + "beat"] ?: return null
        return CameraDraft(
            beat = beat,
            ownerName = get("owner_name"),
            ownerPhone = get("owner_phone"),
            latitude = get("latitude"),
            longitude = get("longitude"),
            villageLgd = get("village_lgd"),
            coverage = get("coverage"),
            direction = get("direction"),
            recordingDays = get("recording_days"),
        )
    }
}
