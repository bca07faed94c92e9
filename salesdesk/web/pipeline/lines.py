"""Product lines of the opportunity form (FUN-3): a formset of product, quantity and unit price
that the views post to `opportunity_create/opportunity_update(products=[...])`.

Each line is checked here so that its error shows next to it; the service checks the same rules
again (API, imports). The product `<option>`s are rendered once in Python and shared by every
row, the empty row template included."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from salesdesk.sales.models import Product
from salesdesk.web.html import esc

MAX_LINES = 50
PRODUCT_CHOICES = 1000
MAX_QUANTITY = Decimal("1e10")


class OpportunityLineForm(forms.Form):
    """One line: product (one of `products`), quantity (> 0, default 1), unit price (empty: the
    product's list price)."""

    product = forms.IntegerField(label=_("Product"))
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=2,
        initial=1,
        error_messages={"required": _("Enter a quantity.")},
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=16, decimal_places=2, required=False
    )

    def __init__(self, *args, products: dict[int, Product], index: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products
        self.fields["product"].error_messages["required"] = _("Select a product on line %d.") % (
            index + 1
        )
        self.fields["product"].error_messages["invalid"] = _("Select a valid choice.")

    def clean_product(self):
        product = self.products.get(self.cleaned_data["product"])
        if product is None:
            raise forms.ValidationError(_("Select a valid choice."))
        return product

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity <= 0 or quantity >= MAX_QUANTITY:
            raise forms.ValidationError(_("Enter a quantity greater than zero."))
        return quantity

    def clean_unit_price(self):
        price = self.cleaned_data.get("unit_price")
        if price is not None and price < 0:
            raise forms.ValidationError(_("Enter a value of zero or more."))
        return price


class BaseLineFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        return {**kwargs, "index": index or 0}

    def clean(self):
        if any(self.errors):
            return
        if len(self.lines()) > MAX_LINES:
            raise forms.ValidationError(
                _("At most %(count)d product lines.") % {"count": MAX_LINES}
            )

    def lines(self) -> list[dict]:
        """The lines as the service takes them (removed and untouched empty rows left out); an
        empty unit price becomes the product's list price, so the total shown is the saved one."""
        out = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("product"):
                continue
            product = data["product"]
            price = data.get("unit_price")
            out.append(
                {
                    "product": product.pk,
                    "quantity": data["quantity"],
                    "unit_price": product.list_price if price is None else price,
                }
            )
        return out


LineFormSet = forms.formset_factory(
    OpportunityLineForm, formset=BaseLineFormSet, extra=0, can_delete=True
)


def line_products(opportunity=None) -> dict[int, Product]:
    """The products a line may name: the active ones, plus those already on the deal (a product
    retired since keeps its line). One query."""
    qs = Product.objects.filter(is_active=True)
    if opportunity is not None:
        qs = Product.objects.filter(is_active=True) | Product.objects.filter(
            pk__in=opportunity.line_items.values("product_id")
        )
    rows = qs.order_by("code")[:PRODUCT_CHOICES]
    return {p.pk: p for p in rows}


def line_formset(data, *, products: dict[int, Product], initial=None) -> BaseLineFormSet:
    """The lines formset; a post without it (an older client) leaves the lines as they are."""
    if data is not None and "lines-TOTAL_FORMS" not in data:
        data = None
    return LineFormSet(data, prefix="lines", initial=initial, form_kwargs={"products": products})


def lines_valid(formset: BaseLineFormSet) -> bool:
    return formset.is_valid() if formset.is_bound else True


def existing_lines(opportunity) -> list[dict]:
    """The deal's lines as the service takes them (one query)."""
    return [
        {"product": i.product_id, "quantity": i.quantity, "unit_price": i.unit_price}
        for i in opportunity.line_items.all()
    ]


def same_lines(a: list[dict], b: list[dict]) -> bool:
    """Whether two lists of lines are equal to the cent (2.0 and 2 are the same quantity)."""

    def key(rows):
        cent = Decimal("0.01")
        return [
            (
                int(r["product"]),
                Decimal(r["quantity"]).quantize(cent),
                Decimal(r["unit_price"]).quantize(cent),
            )
            for r in rows
        ]

    return key(a) == key(b)


def product_options(products: dict[int, Product]) -> SafeString:
    """`<option>`s of the product select, with the list price for the live total."""
    parts = ['<option value="">—</option>']
    for p in products.values():
        parts.append(
            f'<option value="{p.pk}" data-price="{p.list_price}">'
            f"{esc(p.code)} · {esc(p.name)}</option>"
        )
    return mark_safe("".join(parts))


def _selected(options: str, value) -> SafeString:
    if value in (None, ""):
        return mark_safe(options)
    needle = f'<option value="{esc(value)}" '
    return mark_safe(options.replace(needle, needle[:-1] + " selected ", 1))


def line_rows(formset: BaseLineFormSet, options: SafeString) -> list[dict]:
    """What templates/pipeline/_line_row.html shows of each row: its form, its options with the
    chosen product selected, and whether it was removed (kept hidden so a re-shown form still
    posts it)."""
    rows = []
    for form in formset.forms:
        product = form["product"].value()
        if hasattr(product, "pk"):
            product = product.pk
        rows.append(
            {
                "form": form,
                "options": _selected(options, product),
                "deleted": bool(form["DELETE"].value()) if form.is_bound else False,
            }
        )
    return rows
