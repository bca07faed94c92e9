"""Django messages our catalogue translates because Django's own zh_Hans catalogue lacks them.

Never imported at run time: the calls exist so that `makemessages` extracts the msgids; the
translations in salesdesk/locale take precedence over Django's (LOCALE_PATHS).
"""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    # Django 5.2's MinimumLengthValidator.validate() message
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
