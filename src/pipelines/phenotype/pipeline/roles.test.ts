import { describe, expect, it } from 'vitest';
import { detectRoles, roleValues, wellKeys } from './roles';

describe('detectRoles', () => {
  it('reads BBBC021, pycytominer and plain column names', () => {
    expect(detectRoles(['Image_FileName_DAPI', 'Image_Metadata_Plate_DAPI', 'Image_Metadata_Well_DAPI', 'Image_Metadata_Compound', 'Image_Metadata_Concentration', 'moa'])).toEqual({
      plate: 'Image_Metadata_Plate_DAPI', well: 'Image_Metadata_Well_DAPI', compound: 'Image_Metadata_Compound', concentration: 'Image_Metadata_Concentration', moa: 'moa',
    });
    expect(detectRoles(['Metadata_Plate', 'Metadata_Well', 'Metadata_pert_iname', 'Metadata_dose', 'Metadata_chemical_cluster'])).toEqual({
      plate: 'Metadata_Plate', well: 'Metadata_Well', compound: 'Metadata_pert_iname', concentration: 'Metadata_dose', chemicalCluster: 'Metadata_chemical_cluster',
    });
    expect(detectRoles(['plate', 'well', 'site', 'compound', 'concentration', 'moa', 'phenotype'])).toEqual({
      plate: 'plate', well: 'well', site: 'site', compound: 'compound', concentration: 'concentration', moa: 'moa',
    });
    expect(detectRoles(['file', 'intensity'])).toEqual({});
  });

  it('keys wells by plate and maps empty cells to null', () => {
    const rows = [{ p: 'A', w: 'B02' }, { p: 'B', w: 'B02' }, { p: 'A', w: '' }];
    expect(wellKeys(rows, { plate: 'p', well: 'w' })).toEqual(['A/B02', 'B/B02', null]);
    expect(wellKeys(rows, { well: 'w' })).toEqual(['B02', 'B02', null]);
    expect(roleValues(rows, { well: 'w' }, 'moa')).toBeUndefined();
  });
});
