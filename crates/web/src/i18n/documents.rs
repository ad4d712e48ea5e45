//! Words of the documents area (the desk's documents panel, uploads, evidence, the
//! evidence package): (key, English, Spanish).

pub(super) const WORDS: &[(&str, &str, &str)] = &[
    ("documents.title", "Documents", "Documentos"),
    (
        "documents.none",
        "No letters or documents yet.",
        "Aún no hay cartas ni documentos.",
    ),
    ("documents.date", "Date", "Fecha"),
    ("documents.kind", "Kind", "Tipo"),
    ("documents.name", "Name", "Nombre"),
    ("documents.size", "Size", "Tamaño"),
    ("documents.who", "By", "Por"),
    ("documents.evidence", "Evidence for", "Prueba de"),
    ("documents.kind.letter", "Letter", "Carta"),
    ("documents.kind.upload", "Upload", "Documento subido"),
    ("documents.by_arrears", "Arrears", "Arrears"),
    ("documents.dispute", "Dispute of", "Disputa del"),
    ("documents.dispute_open", "open", "abierta"),
    (
        "documents.attach",
        "Attach as evidence",
        "Adjuntar como prueba",
    ),
    ("documents.detach", "Detach", "Quitar"),
    (
        "documents.note",
        "Note (what it is, why)",
        "Nota (qué es, por qué)",
    ),
    ("documents.file", "File", "Archivo"),
    (
        "documents.hint",
        "PDF, PNG, JPEG or TIFF, up to {max}. The type is read from the file's content.",
        "PDF, PNG, JPEG o TIFF, hasta {max}. El tipo se lee del contenido del archivo.",
    ),
    ("documents.upload", "Upload", "Subir"),
    (
        "documents.portfolio",
        "Evidence package (ZIP)",
        "Paquete de pruebas (ZIP)",
    ),
    (
        "documents.uploaded",
        "Document uploaded.",
        "Documento subido.",
    ),
    (
        "documents.duplicate",
        "This account already has that file; it was not stored twice.",
        "La cuenta ya tiene ese archivo; no se guardó dos veces.",
    ),
    (
        "documents.attached",
        "Document attached to the dispute.",
        "Documento adjuntado a la disputa.",
    ),
    (
        "documents.detached",
        "Document detached from the dispute.",
        "Documento quitado de la disputa.",
    ),
    (
        "documents.error.no_file",
        "Choose a file to upload.",
        "Elija un archivo para subir.",
    ),
    (
        "documents.error.empty",
        "{file}: the file is empty; nothing was stored.",
        "{file}: el archivo está vacío; no se guardó nada.",
    ),
    (
        "documents.error.too_large",
        "{file}: the file is larger than the {max} limit; nothing was stored.",
        "{file}: el archivo supera el límite de {max}; no se guardó nada.",
    ),
    (
        "documents.error.type",
        "{file}: not a PDF, PNG, JPEG or TIFF file (its content was checked, not its name); nothing was stored.",
        "{file}: no es un archivo PDF, PNG, JPEG ni TIFF (se revisó su contenido, no su nombre); no se guardó nada.",
    ),
    (
        "documents.error.note",
        "The note is too long.",
        "La nota es demasiado larga.",
    ),
    (
        "documents.error.tampered",
        "Document {id} ({name}) is missing or does not match its SHA-256: the stored file was altered or removed. Nothing was exported.",
        "El documento {id} ({name}) falta o no coincide con su SHA-256: el archivo guardado fue alterado o eliminado. No se exportó nada.",
    ),
    ("disputes.evidence", "Evidence", "Pruebas"),
    (
        "event.document.uploaded",
        "Document uploaded",
        "Documento subido",
    ),
    (
        "event.evidence.attached",
        "Evidence attached",
        "Prueba adjuntada",
    ),
    (
        "event.evidence.detached",
        "Evidence detached",
        "Prueba quitada",
    ),
    (
        "event.portfolio.exported",
        "Evidence package exported",
        "Paquete de pruebas exportado",
    ),
    (
        "reason.document uploaded",
        "Document uploaded",
        "Documento subido",
    ),
    (
        "reason.document attached to the dispute as evidence",
        "Attached to the dispute as evidence",
        "Adjuntado a la disputa como prueba",
    ),
    (
        "reason.document detached from the dispute",
        "Detached from the dispute",
        "Quitado de la disputa",
    ),
    (
        "reason.evidence package exported",
        "Statement, letters, documents, contact history and compliance decisions",
        "Estado de cuenta, cartas, documentos, historial de contactos y decisiones de cumplimiento",
    ),
];
