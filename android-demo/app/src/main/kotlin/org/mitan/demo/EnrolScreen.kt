// The enrolment form, with each refused field's message shown under it in the chosen language.
package org.mitan.demo

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.mitan.ffi.EnrolmentForm
import org.mitan.ffi.EnrolmentProblem
import org.mitan.shared.EnrolmentStatus
import org.mitan.shared.EnrolmentViewModel
import org.mitan.shared.Language
import org.mitan.shared.Messages

@Composable
fun EnrolScreen(model: EnrolmentViewModel, language: Language, onSaved: () -> Unit) {
    val form = model.form.watch()
    val errors = model.errors.watch()
    val status = model.status.watch()
    var notice by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(status) { if (status is EnrolmentStatus.Saved) onSaved() }

    @Composable
    fun field(name: String, value: String, keyboard: KeyboardType = KeyboardType.Text, change: (EnrolmentForm, String) -> EnrolmentForm) {
        val error = errors[name]
        OutlinedTextField(
            value = value,
            onValueChange = { typed -> model.edit(name) { change(it, typed) } },
            label = { Text(Messages.fieldName(name, language)) },
            isError = error != null,
            supportingText = error?.let { { Text(Messages.problem(it, language)) } },
            keyboardOptions = KeyboardOptions(keyboardType = keyboard),
            singleLine = true,
            modifier = Modifier.fillMaxWidth(),
        )
    }

    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        field("name_devanagari", form.nameDevanagari) { f, v -> f.copy(nameDevanagari = v) }
        field("name_latin", form.nameLatin) { f, v -> f.copy(nameLatin = v) }
        field("phone", form.phone, KeyboardType.Phone) { f, v -> f.copy(phone = v) }
        Row {
            for ((code, hindi, english) in listOf(
                Triple("female", "महिला", "Female"), Triple("male", "पुरुष", "Male"), Triple("transgender", "ट्रांसजेंडर", "Transgender"),
            )) {
                RadioButton(selected = form.gender == code, onClick = { model.edit("gender") { it.copy(gender = code) } })
                Text(if (language == Language.HINDI) hindi else english, Modifier.padding(top = 12.dp, end = 8.dp))
            }
        }
        errors["gender"]?.let { Text(Messages.problem(it, language), color = MaterialTheme.colorScheme.error) }
        field("age", form.ageYears?.toString() ?: "", KeyboardType.Number) { f, v -> f.copy(ageYears = v.toUIntOrNull()) }
        field("village", form.villageLgd, KeyboardType.Number) { f, v -> f.copy(villageLgd = v) }
        field("household", form.household) { f, v -> f.copy(household = v) }

        TextButton(onClick = { notice = model.showNotice(language) }) {
            Text(if (language == Language.HINDI) "सहमति सूचना पढ़कर सुनाएँ" else "Read out the consent notice")
        }
        notice?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        Row {
            Checkbox(checked = form.consentGiven, onCheckedChange = { checked -> model.edit("consent") { it.copy(consentGiven = checked) } })
            Text(if (language == Language.HINDI) "व्यक्ति ने सहमति दी" else "The person consented", Modifier.padding(top = 12.dp))
        }
        for (name in listOf("consent", "consent_notice", "consent_language", "guardian_consent", "beat", "station")) {
            errors[name]?.let { Text("${Messages.fieldName(name, language)}: ${Messages.problem(it, language)}", color = MaterialTheme.colorScheme.error) }
        }

        Button(onClick = { model.submit() }, enabled = status !is EnrolmentStatus.Saving) {
            Text(if (language == Language.HINDI) "सहेजें" else "Save")
        }
        when (status) {
            is EnrolmentStatus.Saved -> {
                Text(if (language == Language.HINDI) "सहेजा गया: ${status.receipt.volunteerId}" else "Saved: ${status.receipt.volunteerId}")
                for (problem in status.receipt.problems) {
                    when (problem) {
                        is EnrolmentProblem.SamePhoneAs -> Text(
                            if (language == Language.HINDI) "यही नंबर पहले से: ${problem.volunteerId}" else "Same phone as ${problem.volunteerId}",
                            color = MaterialTheme.colorScheme.tertiary,
                        )
                    }
                }
            }
            is EnrolmentStatus.Failed -> Text(status.message, color = MaterialTheme.colorScheme.error)
            else -> {}
        }
    }
}
