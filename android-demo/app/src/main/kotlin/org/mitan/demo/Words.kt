// The app's words for what the core and the server hand it as codes. Every `when` over a
// generated enum is checked complete by the Kotlin compiler; the JVM check checks that each
// string exists in English and Hindi. Codes that arrive as text (fields, refusal reasons,
// programmes, camera directions and removal reasons) fall back to the code itself, never to
// a blank.
package org.mitan.demo

import androidx.annotation.StringRes
import androidx.compose.runtime.Composable
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.res.stringResource
import org.mitan.ffi.ChangeAction
import org.mitan.ffi.DistrictProgramme
import org.mitan.ffi.InvalidCode
import org.mitan.ffi.Village
import org.mitan.ffi.VolunteerStatus
import org.mitan.shared.RegistrationError

@StringRes
fun problemText(code: InvalidCode): Int = when (code) {
    InvalidCode.REQUIRED -> R.string.problem_required
    InvalidCode.TOO_LONG -> R.string.problem_too_long
    InvalidCode.TOO_SHORT -> R.string.problem_too_short
    InvalidCode.CONTROL_CHARACTER -> R.string.problem_control_character
    InvalidCode.INVISIBLE_CHARACTER -> R.string.problem_invisible_character
    InvalidCode.WRONG_SCRIPT -> R.string.problem_wrong_script
    InvalidCode.BAD_FORMAT -> R.string.problem_bad_format
    InvalidCode.NOT_INDIAN -> R.string.problem_not_indian
    InvalidCode.NOT_MOBILE -> R.string.problem_not_mobile
    InvalidCode.OUT_OF_RANGE -> R.string.problem_out_of_range
    InvalidCode.UNKNOWN -> R.string.problem_unknown
    InvalidCode.GUARDIAN_CONSENT_REQUIRED -> R.string.problem_guardian_consent_required
    InvalidCode.ADULTS_ONLY -> R.string.problem_adults_only
    InvalidCode.DUPLICATE -> R.string.problem_duplicate
    InvalidCode.SEALED -> R.string.problem_sealed
    InvalidCode.BAD_CHARACTER -> R.string.problem_bad_character
    InvalidCode.TOO_MANY_MARKS -> R.string.problem_too_many_marks
    InvalidCode.NOT_IN_BEAT -> R.string.problem_not_in_beat
}

@StringRes
fun actionText(action: ChangeAction): Int = when (action) {
    ChangeAction.GENESIS -> R.string.action_genesis
    ChangeAction.ENROL -> R.string.action_enrol
    ChangeAction.EDIT -> R.string.action_edit
    ChangeAction.REVIEW -> R.string.action_review
    ChangeAction.WITHDRAW -> R.string.action_withdraw
    ChangeAction.CAMERA -> R.string.action_camera
    ChangeAction.REMOVE_CAMERA -> R.string.action_remove_camera
    ChangeAction.MOVE -> R.string.action_move
}

@StringRes
fun registrationErrorText(error: RegistrationError): Int = when (error) {
    RegistrationError.BAD_ADDRESS -> R.string.registration_error_bad_address
    RegistrationError.NO_FINGERPRINT -> R.string.registration_error_no_fingerprint
    RegistrationError.NOT_A_SLIP -> R.string.registration_error_not_a_slip
    RegistrationError.CODE_REFUSED -> R.string.registration_error_code_refused
    RegistrationError.WRONG_CERTIFICATE -> R.string.registration_error_wrong_certificate
    RegistrationError.NO_NETWORK -> R.string.registration_error_no_network
    RegistrationError.SERVER -> R.string.registration_error_server
}

/** A form field's label: `phone` → "Mobile number". */
@Composable
fun fieldLabel(field: String): String = when (field) {
    "name_devanagari" -> stringResource(R.string.field_name_devanagari)
    "name_latin" -> stringResource(R.string.field_name_latin)
    "phone" -> stringResource(R.string.field_phone)
    "household" -> stringResource(R.string.field_household)
    "house_number" -> stringResource(R.string.field_house_number)
    "family_name" -> stringResource(R.string.field_family_name)
    "gender" -> stringResource(R.string.field_gender)
    "age" -> stringResource(R.string.field_age)
    "village" -> stringResource(R.string.field_village)
    "beat" -> stringResource(R.string.field_beat)
    "station" -> stringResource(R.string.field_station)
    "programmes" -> stringResource(R.string.field_programmes)
    "trained_by" -> stringResource(R.string.field_trained_by)
    "consent" -> stringResource(R.string.field_consent)
    "consent_language" -> stringResource(R.string.field_consent_language)
    "consent_notice" -> stringResource(R.string.field_consent_notice)
    "guardian_consent" -> stringResource(R.string.field_guardian_consent)
    "guardian_name" -> stringResource(R.string.field_guardian_name)
    "guardian_relation" -> stringResource(R.string.field_guardian_relation)
    "guardian_phone" -> stringResource(R.string.field_guardian_phone)
    "owner_name" -> stringResource(R.string.field_owner_name)
    "latitude" -> stringResource(R.string.field_latitude)
    "longitude" -> stringResource(R.string.field_longitude)
    "coverage" -> stringResource(R.string.field_coverage)
    "direction" -> stringResource(R.string.field_direction)
    "recording_days" -> stringResource(R.string.field_recording_days)
    else -> field
}

/** Which way a camera looks: `ne` → "North-east"; a code the app does not know as it is. */
@Composable
fun directionName(code: String): String = when (code) {
    "n" -> stringResource(R.string.direction_n)
    "ne" -> stringResource(R.string.direction_ne)
    "e" -> stringResource(R.string.direction_e)
    "se" -> stringResource(R.string.direction_se)
    "s" -> stringResource(R.string.direction_s)
    "sw" -> stringResource(R.string.direction_sw)
    "w" -> stringResource(R.string.direction_w)
    "nw" -> stringResource(R.string.direction_nw)
    else -> code
}

/** Why a camera left the register: `owner_asked` → "The owner asked"; an unknown code as it is. */
@Composable
fun removalReasonName(code: String): String = when (code) {
    "owner_asked" -> stringResource(R.string.camera_removal_owner_asked)
    "dismantled" -> stringResource(R.string.camera_removal_dismantled)
    "entered_in_error" -> stringResource(R.string.camera_removal_entered_in_error)
    else -> code
}

/** Whether the app speaks Hindi now (the per-app language). */
@Composable
fun speaksHindi(): Boolean = LocalConfiguration.current.locales[0].language == "hi"

/** A village's name in Hindi or English. */
fun villageName(village: Village, hindi: Boolean): String = if (hindi) village.nameHi else village.nameEn

/** A programme of the district's list by the name it gave, else the app's words for the code. */
@Composable
fun programmeLabel(programme: DistrictProgramme): String {
    val named = if (speaksHindi()) programme.nameHi else programme.nameEn
    return named.ifEmpty { programmeName(programme.code) }
}

/** A programme's name: `suraksha_sakhi` → "Suraksha Sakhi"; a district's own code as it is. */
@Composable
fun programmeName(code: String): String = when (code) {
    "cyber_mitan" -> stringResource(R.string.programme_cyber_mitan)
    "police_mitan" -> stringResource(R.string.programme_police_mitan)
    "police_mitra" -> stringResource(R.string.programme_police_mitra)
    "cyber_prahari" -> stringResource(R.string.programme_cyber_prahari)
    "gram_rakshak" -> stringResource(R.string.programme_gram_rakshak)
    "suraksha_sakhi" -> stringResource(R.string.programme_suraksha_sakhi)
    "clg_member" -> stringResource(R.string.programme_clg_member)
    else -> code
}

/** Why the server refused one of this phone's changes. */
@Composable
fun refusalText(reason: String): String = when (reason) {
    "undecodable" -> stringResource(R.string.refusal_undecodable)
    "missing_dependency" -> stringResource(R.string.refusal_missing_dependency)
    "oversize_change" -> stringResource(R.string.refusal_oversize_change)
    "outside_layout" -> stringResource(R.string.refusal_outside_layout)
    "read_only" -> stringResource(R.string.refusal_read_only)
    "forged_actor" -> stringResource(R.string.refusal_forged_actor)
    "unsigned" -> stringResource(R.string.refusal_unsigned)
    "bad_signature" -> stringResource(R.string.refusal_bad_signature)
    "beat_mismatch" -> stringResource(R.string.refusal_beat_mismatch)
    "invalid_entry" -> stringResource(R.string.refusal_invalid_entry)
    "village_outside_beat" -> stringResource(R.string.refusal_village_outside_beat)
    else -> stringResource(R.string.refusal_unknown, reason)
}

/** A volunteer's status, in words. */
@Composable
fun statusText(status: VolunteerStatus): String = when (status) {
    VolunteerStatus.Pending -> stringResource(R.string.status_pending)
    VolunteerStatus.Verified -> stringResource(R.string.status_verified)
    is VolunteerStatus.Rejected -> stringResource(R.string.status_rejected)
    is VolunteerStatus.DuplicateOf -> stringResource(R.string.status_duplicate_of, status.volunteerId)
    VolunteerStatus.Withdrawn -> stringResource(R.string.status_withdrawn)
    is VolunteerStatus.Moved -> stringResource(R.string.status_moved, status.toBeat)
}

/** A list row's status, which the roster gives as its stable text (`verified`, …). */
@Composable
fun statusText(code: String): String = when (code) {
    "pending" -> stringResource(R.string.status_pending)
    "verified" -> stringResource(R.string.status_verified)
    "rejected" -> stringResource(R.string.status_rejected)
    "duplicate" -> stringResource(R.string.status_duplicate)
    "withdrawn" -> stringResource(R.string.status_withdrawn)
    "moved" -> stringResource(R.string.status_moved_away)
    else -> code
}
