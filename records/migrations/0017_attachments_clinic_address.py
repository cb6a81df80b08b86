"""Clinic address (printed on documents) and attachments, which are append-only.

Like addenda and the audit trail, an attachment row is never updated or deleted: the same
``records_immutable_*`` triggers as migration 0003 refuse it in the database itself.
"""

import django.db.models.deletion
import records.models.attachments
import uuid
from django.conf import settings
from django.db import migrations, models


MESSAGE = "An attachment is append-only: it cannot be changed or deleted."
PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION records_immutable_attachment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER records_immutable_attachment BEFORE UPDATE OR DELETE ON records_attachment
    FOR EACH ROW EXECUTE FUNCTION records_immutable_attachment();
"""
PG_BACKWARD = (
    "DROP TRIGGER IF EXISTS records_immutable_attachment ON records_attachment; "
    "DROP FUNCTION IF EXISTS records_immutable_attachment();"
)
SQLITE_FORWARD = [
    f"CREATE TRIGGER records_immutable_attachment_{op.lower()} BEFORE {op} ON records_attachment "
    f"FOR EACH ROW WHEN 1 BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
    for op in ("UPDATE", "DELETE")
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS records_immutable_attachment_{op};" for op in ("update", "delete")]


def _run(forward: bool):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            statements = [PG_FORWARD if forward else PG_BACKWARD]
        elif vendor == "sqlite":
            statements = SQLITE_FORWARD if forward else SQLITE_BACKWARD
        else:
            statements = []
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0004_needle_diameter_decimal_bounds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='clinic',
            name='address',
            field=models.TextField(blank=True),
        ),
        migrations.CreateModel(
            name='Attachment',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('title', models.CharField(max_length=200)),
                ('kind', models.CharField(choices=[('referral', 'Referral'), ('consent_form', 'Consent form'), ('imaging_report', 'Imaging report'), ('letter', 'Letter'), ('other', 'Other')], max_length=20)),
                ('file', models.FileField(max_length=255, storage=records.models.attachments.attachment_storage, upload_to='')),
                ('filename', models.CharField(blank=True, max_length=200)),
                ('content_type', models.CharField(max_length=100)),
                ('size', models.PositiveBigIntegerField()),
                ('sha256', models.CharField(max_length=64)),
                ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='records.clinic')),
                ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attachments', to='records.patient')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['patient', 'created_at'], name='attachment_patient_created')],
                'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['referral', 'consent_form', 'imaging_report', 'letter', 'other'])), name='attachment_kind_valid', violation_error_message='kind must be one of: referral, consent_form, imaging_report, letter, other.'), models.CheckConstraint(condition=models.Q(('title', ''), _negated=True), name='attachment_title_not_empty', violation_error_message='An attachment needs a title.')],
            },
        ),
        migrations.RunPython(_run(True), _run(False), elidable=False),
    ]
