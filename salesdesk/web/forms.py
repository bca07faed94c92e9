"""Form helpers shared by the web pages: Bootstrap widgets and service errors as form errors."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from salesdesk.core.locking import StaleEditError


class FormRenderer(DjangoTemplates):
    """Django's form renderer, also finding the project's form templates (components/)."""

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [
                    Path(forms.__file__).parent / self.backend.app_dirname,
                    Path(settings.PACKAGE_DIR) / "templates",
                ],
                "NAME": "salesdesk_forms",
                "OPTIONS": {},
            }
        )


class StyledFormMixin:
    """Bootstrap classes on every widget, `aria-invalid` on fields with errors, and the project's
    form layout (one column on phones, two on wide screens)."""

    default_renderer = FormRenderer
    template_name = "components/form.html"
    # Fields that take the full row on wide screens.
    wide_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(
                widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            field.wide = name in self.wide_fields

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def apply_service_error(form: forms.BaseForm, exc: Exception) -> None:
    """Show a ValidationError / PermissionDenied raised by a service on the form.

    Errors for fields the form has go next to the field; the rest go on top of the form.
    """
    if isinstance(exc, PermissionDenied):
        message = str(exc) or _("You do not have permission to do this.")
        form.add_error(None, message)
        return
    if not isinstance(exc, ValidationError):
        raise exc
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


def save_through_service(form: forms.BaseForm, call) -> tuple[bool, StaleEditError | None]:
    """Run the service `call()` for a valid form: (True, None) when it saved; (False, conflict)
    when the record changed since the form was loaded (show it with status 409); (False, None)
    when the service refused, with its errors put on the form."""
    try:
        call()
    except StaleEditError as exc:
        return False, exc
    except (ValidationError, PermissionDenied) as exc:
        apply_service_error(form, exc)
        return False, None
    return True, None


def errors_to_messages(request, exc: Exception) -> None:
    """Show a ValidationError / PermissionDenied raised by a service as flash messages (for
    actions without a form: buttons that post)."""
    from django.contrib import messages

    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(exc) or _("You do not have permission to do this."))
