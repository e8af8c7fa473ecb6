// The enrolment form: names, mobile, gender, age, the village picked by name from the beat's
// villages, the household (house number and family name), programmes, trainer, the guardian
// for someone under 18, and consent, which can be ticked only after the notice was shown
// full-screen. Each refused field shows its reason under it; the form survives rotation
// (PhoneScreenModel's SavedStateHandle). A saved enrolment shows its warnings: the same
// mobile, or the same household, as another volunteer.
package org.mitan.demo

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.ExposedDropdownMenuBox
import androidx.compose.material3.ExposedDropdownMenuDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.MenuAnchorType
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.key
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.focus.FocusRequester
import androidx.compose.ui.focus.focusRequester
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.mitan.ffi.ConsentNotice
import org.mitan.ffi.EnrolmentForm
import org.mitan.ffi.EnrolmentProblem
import org.mitan.ffi.InvalidCode
import org.mitan.ffi.VolunteerSummary
import org.mitan.shared.EnrolmentStatus
import org.mitan.shared.EnrolmentViewModel
import org.mitan.shared.Language

@Composable
fun EnrolScreen(model: EnrolmentViewModel) {
    val notice = model.notice.watch()
    if (notice != null) {
        NoticeScreen(notice, onRead = model::noticeRead)
        return
    }
    val form = model.form.watch()
    val errors = model.errors.watch()
    val status = model.status.watch()
    val villages = model.villages.watch()
    val noticeShown = model.noticeShown.watch()
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        FormField("name_devanagari", form.nameDevanagari, errors) { text -> model.edit("name_devanagari") { it.copy(nameDevanagari = text) } }
        FormField("name_latin", form.nameLatin, errors) { text -> model.edit("name_latin") { it.copy(nameLatin = text) } }
        FormField("phone", form.phone, errors, KeyboardType.Phone) { text -> model.edit("phone") { it.copy(phone = text) } }
        GenderChoice(form, errors["gender"]) { gender -> model.edit("gender") { it.copy(gender = gender) } }
        Row {
            OutlinedTextField(
                value = form.ageYears?.toString() ?: "",
                onValueChange = { text -> model.edit("age") { it.copy(ageYears = text.filter(Char::isDigit).toUIntOrNull(), birthYear = null) } },
                label = { Text(stringResource(R.string.enrol_age_years)) }, singleLine = true,
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
                isError = "age" in errors, modifier = Modifier.weight(1f).padding(end = 8.dp),
            )
            OutlinedTextField(
                value = form.birthYear?.toString() ?: "",
                onValueChange = { text -> model.edit("age") { it.copy(birthYear = text.filter(Char::isDigit).toUIntOrNull(), ageYears = null) } },
                label = { Text(stringResource(R.string.enrol_birth_year)) }, singleLine = true,
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
                isError = "age" in errors, modifier = Modifier.weight(1f),
            )
        }
        ErrorLine("age", errors)
        if (model.beats.size > 1) {
            Picker(fieldLabel("beat"), form.beat, model.beats, { it }, errors["beat"], model::chooseBeat)
        }
        if (villages.isEmpty()) {
            Text(stringResource(R.string.enrol_no_villages), color = MaterialTheme.colorScheme.error)
        } else {
            val hindi = speaksHindi()
            Picker(
                fieldLabel("village"), model.chosenVillage()?.let { villageName(it, hindi) } ?: "",
                villages, { villageName(it, hindi) }, errors["village"], model::chooseVillage,
            )
        }
        HouseholdFields(form, errors, model)
        Text(fieldLabel("programmes"), style = MaterialTheme.typography.titleSmall, modifier = Modifier.padding(top = 8.dp))
        for (programme in model.programmes.watch()) {
            val joined = programme.code in form.programmes
            Row(Modifier.toggleable(joined, role = Role.Checkbox) { model.toggleProgramme(programme.code) }) {
                Checkbox(checked = joined, onCheckedChange = null)
                Text(programmeLabel(programme), Modifier.padding(start = 8.dp, top = 12.dp))
            }
        }
        ErrorLine("programmes", errors)
        val trainers = model.trainers.watch()
        if (trainers.isNotEmpty()) {
            val chosen = trainers.firstOrNull { it.volunteerId == form.trainedBy }
            Picker(stringResource(R.string.enrol_trainer_volunteer), chosen?.let(::trainerName) ?: "", trainers, ::trainerName, null, model::chooseTrainer)
        }
        FormField("trained_by", form.trainedBy, errors) { text -> model.edit("trained_by") { it.copy(trainedBy = text) } }
        if (model.needsGuardian()) {
            Text(stringResource(R.string.enrol_guardian_heading), style = MaterialTheme.typography.titleSmall,
                modifier = Modifier.padding(top = 8.dp).semantics { heading() })
            FormField("guardian_name", form.guardianName, errors) { text -> model.edit("guardian_name") { it.copy(guardianName = text) } }
            FormField("guardian_relation", form.guardianRelation, errors) { text -> model.edit("guardian_relation") { it.copy(guardianRelation = text) } }
            FormField("guardian_phone", form.guardianPhone, errors, KeyboardType.Phone) { text -> model.edit("guardian_phone") { it.copy(guardianPhone = text) } }
        }
        Row(Modifier.padding(top = 8.dp)) {
            OutlinedButton(onClick = { model.showNotice(Language.HINDI) }, Modifier.padding(end = 8.dp)) {
                Text(stringResource(R.string.enrol_show_notice_hi))
            }
            OutlinedButton(onClick = { model.showNotice(Language.ENGLISH) }) { Text(stringResource(R.string.enrol_show_notice_en)) }
        }
        ErrorLine("consent_notice", errors)
        ErrorLine("consent_language", errors)
        if (!noticeShown) Text(stringResource(R.string.consent_after_notice), style = MaterialTheme.typography.bodySmall)
        ConsentBox(stringResource(R.string.consent_person), form.consentGiven, noticeShown, model::consent)
        ErrorLine("consent", errors)
        if (model.needsGuardian()) {
            ConsentBox(stringResource(R.string.consent_guardian), form.guardianConsentGiven, noticeShown, model::guardianConsent)
            ErrorLine("guardian_consent", errors)
        }
        Button(onClick = { model.submit() }, enabled = status !is EnrolmentStatus.Saving, modifier = Modifier.padding(top = 12.dp)) {
            Text(stringResource(if (status is EnrolmentStatus.Saving) R.string.enrol_saving else R.string.enrol_save))
        }
        when (status) {
            is EnrolmentStatus.Saved -> {
                Text(stringResource(R.string.enrol_saved, status.receipt.volunteerId))
                for (problem in status.receipt.problems) {
                    when (problem) {
                        is EnrolmentProblem.SamePhoneAs -> Text(stringResource(R.string.enrol_same_phone, problem.volunteerId))
                        is EnrolmentProblem.SameHouseholdAs -> Text(stringResource(R.string.enrol_same_household, problem.volunteerId))
                    }
                }
            }
            is EnrolmentStatus.Failed ->
                Text(stringResource(R.string.enrol_failed, status.error.message ?: ""), color = MaterialTheme.colorScheme.error)
            else -> {}
        }
    }
}

/** A volunteer as the trainer list shows them. */
private fun trainerName(volunteer: VolunteerSummary): String =
    listOfNotNull(volunteer.nameDevanagari, volunteer.nameLatin).joinToString(" / ").ifEmpty { volunteer.volunteerId }

/**
 * The household in two parts. The house number opens the number pad, with a key beside it to
 * letters for "45A" or "12/3" (nothing typed is filtered: the core reads digits in either
 * script); the family name is plain text. Each part's refusal shows under it, and the
 * household's own (neither part given) under both.
 */
@Composable
private fun HouseholdFields(form: EnrolmentForm, errors: Map<String, InvalidCode>, model: EnrolmentViewModel) {
    val neitherPart = "household" in errors
    val numberError = errors["house_number"]?.let { stringResource(problemText(it)) }
    var letters by rememberSaveable { mutableStateOf(false) }
    var switched by remember { mutableStateOf(false) }
    val focus = remember { FocusRequester() }
    // Keyed by the keyboard: the field made again starts a new input session, so the keyboard
    // switched to shows at once rather than at the next time the field is focused.
    key(letters) {
        OutlinedTextField(
            value = form.houseNumber,
            onValueChange = { text -> model.edit("house_number") { it.copy(houseNumber = text) } },
            singleLine = true,
            label = { Text(fieldLabel("house_number")) },
            isError = numberError != null || neitherPart,
            supportingText = numberError?.let { { Text(it) } },
            keyboardOptions = KeyboardOptions(keyboardType = if (letters) KeyboardType.Text else KeyboardType.Number),
            trailingIcon = {
                TextButton(onClick = { letters = !letters; switched = true }) {
                    Text(stringResource(if (letters) R.string.enrol_house_number_digits else R.string.enrol_house_number_letters))
                }
            },
            modifier = Modifier.fillMaxWidth().focusRequester(focus)
                .semantics { if (numberError != null) error(numberError) },
        )
    }
    LaunchedEffect(letters) { if (switched) focus.requestFocus() }
    FormField("family_name", form.familyName, errors, alsoRefused = neitherPart) { text ->
        model.edit("family_name") { it.copy(familyName = text) }
    }
    ErrorLine("household", errors)
}

/**
 * A text field labelled with its field's name, its refusal under it; also the correction's.
 * [alsoRefused] marks it when a refusal shown elsewhere (the household's) concerns it too.
 */
@Composable
internal fun FormField(
    field: String,
    value: String,
    errors: Map<String, InvalidCode>,
    keyboard: KeyboardType = KeyboardType.Text,
    alsoRefused: Boolean = false,
    onChange: (String) -> Unit,
) {
    val error = errors[field]
    val errorText = error?.let { stringResource(problemText(it)) }
    OutlinedTextField(
        value = value, onValueChange = onChange, singleLine = true,
        label = { Text(fieldLabel(field)) },
        isError = error != null || alsoRefused,
        supportingText = errorText?.let { { Text(it) } },
        keyboardOptions = KeyboardOptions(keyboardType = keyboard),
        modifier = Modifier.fillMaxWidth().semantics { if (errorText != null) error(errorText) },
    )
}

/** The refusal of [field], for controls without a supporting-text slot. */
@Composable
private fun ErrorLine(field: String, errors: Map<String, InvalidCode>) {
    val error = errors[field] ?: return
    Text("${fieldLabel(field)}: ${stringResource(problemText(error))}", color = MaterialTheme.colorScheme.error)
}

@Composable
private fun GenderChoice(form: EnrolmentForm, error: InvalidCode?, onChoose: (String) -> Unit) {
    Text(fieldLabel("gender"), style = MaterialTheme.typography.titleSmall, modifier = Modifier.padding(top = 8.dp))
    Row {
        for ((code, label) in listOf("female" to R.string.gender_female, "male" to R.string.gender_male, "transgender" to R.string.gender_transgender)) {
            Row(Modifier.selectable(form.gender == code, role = Role.RadioButton) { onChoose(code) }.padding(end = 12.dp)) {
                RadioButton(selected = form.gender == code, onClick = null)
                Text(stringResource(label), Modifier.padding(start = 4.dp, top = 12.dp))
            }
        }
    }
    error?.let { Text(stringResource(problemText(it)), color = MaterialTheme.colorScheme.error) }
}

/** A consent checkbox, enabled only once the notice was shown; its text is its label. */
@Composable
private fun ConsentBox(label: String, checked: Boolean, enabled: Boolean, onChange: (Boolean) -> Unit) {
    Row(Modifier.toggleable(checked, enabled = enabled, role = Role.Checkbox, onValueChange = onChange)) {
        Checkbox(checked = checked, onCheckedChange = null, enabled = enabled)
        Text(label, Modifier.padding(start = 8.dp, top = 12.dp))
    }
}

/** A read-only field that opens a list to pick from; also the volunteer page's village. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
internal fun <T> Picker(label: String, shown: String, choices: List<T>, name: (T) -> String, error: InvalidCode?, onPick: (T) -> Unit) {
    var expanded by remember { mutableStateOf(false) }
    ExposedDropdownMenuBox(expanded = expanded, onExpandedChange = { expanded = it }) {
        OutlinedTextField(
            value = shown, onValueChange = {}, readOnly = true, label = { Text(label) },
            isError = error != null,
            supportingText = error?.let { { Text(stringResource(problemText(it))) } },
            trailingIcon = { ExposedDropdownMenuDefaults.TrailingIcon(expanded) },
            modifier = Modifier.fillMaxWidth().menuAnchor(MenuAnchorType.PrimaryNotEditable),
        )
        ExposedDropdownMenu(expanded = expanded, onDismissRequest = { expanded = false }) {
            for (choice in choices) {
                DropdownMenuItem(text = { Text(name(choice)) }, onClick = { onPick(choice); expanded = false })
            }
        }
    }
}

/** The consent notice, full-screen in its language, read out before anyone consents. */
@Composable
fun NoticeScreen(notice: ConsentNotice, onRead: () -> Unit) {
    Column(Modifier.fillMaxSize().padding(16.dp)) {
        Text(stringResource(R.string.notice_title, notice.version.toInt()), style = MaterialTheme.typography.titleLarge,
            modifier = Modifier.semantics { heading() })
        Column(Modifier.weight(1f).verticalScroll(rememberScrollState()).padding(vertical = 12.dp)) {
            Text(notice.text, style = MaterialTheme.typography.bodyLarge)
        }
        Button(onClick = onRead, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.notice_read)) }
    }
}
