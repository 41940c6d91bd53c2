/**
 * The drawing canvas: the rendered image with the cells as editable ellipses and the detector's
 * boxes on top (Fig 3.2: opacity from confidence, red at or above the threshold, blue below).
 * Click empty space to add a cell, drag a cell to move it, drag its handle to resize, double-click
 * or press Delete to remove it.
 */
import { useEffect, useRef, useState, type PointerEvent as RPointerEvent } from 'react';
import { useDetector } from '../detectorStore';
import type { CellSpec } from '../simcep';

const DISPLAY = 512;
/** Boxes below this confidence are not drawn at all (Fig 3.2 shows those above 0.1). */
const MIN_SHOWN = 0.1;

type Drag = { kind: 'move' | 'resize'; index: number; startX: number; startY: number; cell: CellSpec } | null;

export function CellEditor() {
  const { scene, selected, detections, threshold, setCells, addCell, select, deleteSelected } = useDetector();
  const canvas = useRef<HTMLCanvasElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<Drag>(null);
  const [preview, setPreview] = useState<CellSpec[] | null>(null);

  useEffect(() => {
    const c = canvas.current;
    if (!c || !scene) return;
    c.width = scene.width;
    c.height = scene.height;
    const ctx = c.getContext('2d')!;
    const img = ctx.createImageData(scene.width, scene.height);
    for (let i = 0; i < scene.image.length; i++) {
      const v = Math.max(0, Math.min(255, Math.round(scene.image[i] * 255)));
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [scene]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.key === 'Delete' || e.key === 'Backspace') && !(e.target instanceof HTMLInputElement)) deleteSelected();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [deleteSelected]);

  if (!scene) return <div className="muted">No image yet.</div>;
  const scale = DISPLAY / Math.max(scene.width, scene.height);
  const toImage = (e: RPointerEvent) => {
    const r = svg.current!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * scene.width, y: ((e.clientY - r.top) / r.height) * scene.height };
  };
  const cells = preview ?? scene.cells;
  const editable = scene.source === 'simcep';

  const onDown = (e: RPointerEvent, index: number | null, kind: 'move' | 'resize' = 'move') => {
    if (!editable) return;
    e.stopPropagation();
    const p = toImage(e);
    if (index === null) {
      addCell(p.x, p.y);
      return;
    }
    select(index);
    (e.target as Element).setPointerCapture?.(e.pointerId);
    setDrag({ kind, index, startX: p.x, startY: p.y, cell: scene.cells[index] });
  };
  const onMove = (e: RPointerEvent) => {
    if (!drag) return;
    const p = toImage(e);
    const c = drag.cell;
    let next: CellSpec;
    if (drag.kind === 'move') next = { ...c, cx: c.cx + p.x - drag.startX, cy: c.cy + p.y - drag.startY };
    else {
      const d0 = Math.hypot(drag.startX - c.cx, drag.startY - c.cy) || 1;
      const f = Math.max(0.2, Math.hypot(p.x - c.cx, p.y - c.cy) / d0);
      next = { ...c, rx: Math.max(1.5, c.rx * f), ry: Math.max(1.5, c.ry * f) };
    }
    setPreview(scene.cells.map((x, k) => (k === drag.index ? next : x)));
  };
  const onUp = () => {
    if (drag && preview) setCells(preview);
    setDrag(null);
    setPreview(null);
  };

  const shown = detections ? detections.boxes.map((b, i) => ({ b, s: detections.scores[i] })).filter((d) => d.s >= MIN_SHOWN) : [];
  return (
    <div className="cell-editor" style={{ position: 'relative', width: scene.width * scale, height: scene.height * scale }}>
      <canvas ref={canvas} style={{ width: scene.width * scale, height: scene.height * scale, imageRendering: 'pixelated', position: 'absolute', inset: 0 }} />
      <svg
        ref={svg}
        data-testid="cell-canvas"
        viewBox={`0 0 ${scene.width} ${scene.height}`}
        width={scene.width * scale}
        height={scene.height * scale}
        style={{ position: 'absolute', inset: 0, cursor: editable ? 'crosshair' : 'default', touchAction: 'none' }}
        onPointerDown={(e) => onDown(e, null)}
        onPointerMove={onMove}
        onPointerUp={onUp}
      >
        {editable &&
          cells.map((c, i) => (
            <g key={i}>
              <ellipse
                data-testid="cell"
                cx={c.cx}
                cy={c.cy}
                rx={c.rx}
                ry={c.ry}
                transform={`rotate(${(c.rotation * 180) / Math.PI} ${c.cx} ${c.cy})`}
                fill="rgba(80,220,120,0.08)"
                stroke={i === selected ? '#ffe14d' : 'rgba(80,220,120,0.8)'}
                strokeWidth={1 / scale}
                strokeDasharray={`${3 / scale} ${2 / scale}`}
                style={{ cursor: 'move' }}
                onPointerDown={(e) => onDown(e, i)}
                onDoubleClick={(e) => {
                  e.stopPropagation();
                  select(i);
                  deleteSelected();
                }}
              />
              {i === selected && (
                <circle
                  data-testid="resize-handle"
                  cx={c.cx + c.rx * Math.cos(c.rotation)}
                  cy={c.cy + c.rx * Math.sin(c.rotation)}
                  r={4 / scale}
                  fill="#ffe14d"
                  style={{ cursor: 'nwse-resize' }}
                  onPointerDown={(e) => onDown(e, i, 'resize')}
                />
              )}
            </g>
          ))}
        {shown.map(({ b, s }, i) => (
          <rect
            key={`b${i}`}
            data-testid={s >= threshold ? 'box-positive' : 'box-negative'}
            x={b.x1}
            y={b.y1}
            width={b.x2 - b.x1}
            height={b.y2 - b.y1}
            fill="none"
            stroke={s >= threshold ? '#ff2a2a' : '#2a6bff'}
            strokeOpacity={Math.min(1, s)}
            strokeWidth={1.5 / scale}
            pointerEvents="none"
          />
        ))}
      </svg>
    </div>
  );
}
